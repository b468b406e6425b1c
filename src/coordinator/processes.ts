/**
 * Several coordinator processes on one port, through node:cluster: the primary forks them (each
 * runs this same program and serves the shared port), restarts one that dies, and stops them
 * all on a signal. They share no memory, so they need a shared store.
 */
import cluster, { type Worker as ClusterProcess } from 'node:cluster';
import { handleShutdown } from '../cli/shutdown.ts';
import type { Logger } from '../logging/logger.ts';

/** More restarts than this within RESTART_WINDOW_MS means something is wrong: stop instead. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

export function isCoordinatorProcess(): boolean {
  return !cluster.isPrimary;
}

/** Runs in the primary: forks `count` coordinator processes and watches over them. */
export function runCoordinatorProcesses(count: number, graceMs: number, logger: Logger): void {
  let stopping = false;
  const restarts: number[] = [];
  const fork = () =>
    cluster
      .fork()
      .once('online', () => logger.info({ processes: Object.keys(cluster.workers ?? {}).length }, 'coordinator process started'));
  const shutdown = handleShutdown({
    logger,
    graceMs,
    onForcedExit: () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
    },
    close: async () => {
      stopping = true;
      const running = Object.values(cluster.workers ?? {}).filter((w): w is ClusterProcess => w !== undefined);
      await Promise.all(
        running.map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  });
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && (restarts[0] ?? now) < now - RESTART_WINDOW_MS) restarts.shift();
    logger.error({ pid: w.process.pid, code, signal }, 'a coordinator process died');
    if (restarts.length > MAX_RESTARTS) {
      void shutdown.fail(`${restarts.length} coordinator processes died within ${RESTART_WINDOW_MS / 1000} s`);
      return;
    }
    fork();
  });
  for (let i = 0; i < count; i++) fork();
}
