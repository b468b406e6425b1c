/**
 * A local oracle network: one coordinator and N workers, each its own OS process started through
 * tsx, the workers registering themselves over HTTP exactly as they would anywhere else.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOracleClient } from '../client/client.ts';
import { entryPoint, spawnTsx, type Program } from '../process/tsx.ts';
import { formatLogLine } from './log-format.ts';

/** The feeds `npm start` defines unless told otherwise: BTC/USD and ETH/USD. */
export const LOCAL_FEEDS_FILE = fileURLToPath(new URL('local-feeds.yaml', import.meta.url));

export interface ClusterOptions {
  host: string;
  coordinatorPort: number;
  firstWorkerPort: number;
  workers: number;
  /** Worker i gets seed + i, so a whole run replays; random when unset. */
  seed?: number;
  logLevel: string;
  /** `pretty` turns JSON log lines into short ones. */
  logFormat: 'pretty' | 'json';
  /** Where the children's log lines go. */
  output: (line: string) => void;
  /** Extra environment for every child (simulation knobs, say). */
  env?: NodeJS.ProcessEnv;
  /** The coordinator's shared store (--store) and how many processes serve its port (--processes). */
  store?: { url: string; processes: number } | undefined;
  /** A feeds file for the coordinator (--feeds); none when undefined. */
  feedsFile?: string | undefined;
  /**
   * Where the keys live: the coordinator's in <keyDir>/coordinator.key, each worker's in
   * <keyDir>/workers/<id>.key, created on first start. A configured coordinator key makes it
   * require signed answers.
   */
  keyDir: string;
  /** Aborting it while the cluster starts stops the children already launched. */
  signal?: AbortSignal;
}

export interface Cluster {
  readonly coordinatorUrl: string;
  readonly workerIds: string[];
  /** Resolves when a child exits on its own, with its name and exit code. */
  readonly unexpectedExit: Promise<{ name: string; code: number | null }>;
  stop(): Promise<void>;
  /** SIGKILLs every child at once, for a process that must exit now. */
  killNow(): void;
}

export async function startCluster(options: ClusterOptions, readyTimeoutMs = 30_000): Promise<Cluster> {
  const coordinatorUrl = `http://${options.host}:${options.coordinatorPort}`;
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  let reportExit: (exit: { name: string; code: number | null }) => void = () => {};
  const unexpectedExit = new Promise<{ name: string; code: number | null }>((resolve) => (reportExit = resolve));

  // Fresh tokens for this cluster only: its workers and its coordinator know them, nobody else.
  const tokens = {
    ORACLE_REGISTRATION_TOKEN: process.env.ORACLE_REGISTRATION_TOKEN ?? randomBytes(24).toString('base64url'),
    ORACLE_TASK_TOKEN: process.env.ORACLE_TASK_TOKEN ?? randomBytes(24).toString('base64url'),
  };
  const launch = (name: string, program: Program, args: string[]) => {
    const child = spawnTsx(entryPoint(program), args, { env: { ...process.env, ...tokens, ...options.env, LOG_LEVEL: options.logLevel } });
    children.set(name, child);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) =>
        options.output(options.logFormat === 'pretty' ? formatLogLine(line, name) : line),
      );
    }
    child.once('exit', (code) => {
      children.delete(name);
      if (!stopping) reportExit({ name, code });
    });
  };

  const terminate = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // 'close' comes after the child's output is drained, so its last log lines are printed.
    const exited = once(child, 'close');
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killTimer);
  };

  // Workers first, so that they can still deregister from a running coordinator.
  const stop = async () => {
    stopping = true;
    await Promise.all([...children].filter(([name]) => name !== 'coordinator').map(([, child]) => terminate(child)));
    const coordinator = children.get('coordinator');
    if (coordinator) await terminate(coordinator);
  };

  const feeds = options.feedsFile === undefined ? [] : ['--feeds', options.feedsFile];
  const store = options.store === undefined ? [] : ['--store', options.store.url, '--processes', String(options.store.processes)];
  const coordinatorKey = ['--key-file', join(options.keyDir, 'coordinator.key')];
  launch('coordinator', 'coordinator', [
    '--host',
    options.host,
    '--port',
    String(options.coordinatorPort),
    ...feeds,
    ...store,
    ...coordinatorKey,
  ]);
  const workerIds = Array.from({ length: options.workers }, (_, i) => `worker-${i + 1}`);
  workerIds.forEach((id, i) => {
    // Port 0 lets each worker take a free port of its own; it registers whichever it got.
    const port = options.firstWorkerPort === 0 ? 0 : options.firstWorkerPort + i;
    const seed = options.seed === undefined ? [] : ['--seed', String((options.seed + i) % 4_294_967_296)];
    const key = ['--key-file', join(options.keyDir, 'workers', `${id}.key`)];
    launch(id, 'worker', ['--id', id, '--host', options.host, '--port', String(port), '--coordinator', coordinatorUrl, ...seed, ...key]);
  });

  try {
    await waitForWorkers(coordinatorUrl, workerIds, readyTimeoutMs, unexpectedExit, options.signal);
  } catch (error) {
    await stop();
    throw error;
  }
  const killNow = () => {
    stopping = true;
    for (const child of children.values()) child.kill('SIGKILL');
  };
  return { coordinatorUrl, workerIds, unexpectedExit, stop, killNow };
}

async function waitForWorkers(
  coordinatorUrl: string,
  ids: string[],
  timeoutMs: number,
  unexpectedExit: Promise<{ name: string; code: number | null }>,
  signal: AbortSignal | undefined,
) {
  const client = createOracleClient({ baseUrl: coordinatorUrl, apiKey: process.env.ORACLE_API_KEY });
  const deadline = Date.now() + timeoutMs;
  let crashed: { name: string; code: number | null } | undefined;
  void unexpectedExit.then((exit) => (crashed = exit));
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (crashed) throw new Error(`${crashed.name} exited with code ${String(crashed.code)} before the cluster was ready`);
    try {
      const registered = new Set((await client.listWorkers()).map((w) => w.id));
      if (ids.every((id) => registered.has(id))) return;
    } catch {
      // The coordinator is not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`the workers did not all register with ${coordinatorUrl} within ${timeoutMs} ms`);
}
