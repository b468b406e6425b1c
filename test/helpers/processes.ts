/** Real service processes (node --import tsx src/<service>/main.ts) for tests that need kill -9 and restarts. */
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { entryPoint, spawnTsx } from '../../src/process/tsx.ts';
import { SERVICE_NODE_FLAGS } from '../../src/process/service-node-flags.ts';
import { TEST_CONFIG_HOME } from './temporary.ts';

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Every line printed so far (pino JSON from the service). */
  readonly lines: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

const running = new Set<ChildProcess>();

type Service = 'coordinator' | 'worker';

const environment = (env: Record<string, string>) => ({ ...process.env, XDG_CONFIG_HOME: TEST_CONFIG_HOME, LOG_LEVEL: 'info', ...env });

export function spawnService(service: Service, args: string[], env: Record<string, string> = {}): ServiceProcess {
  return watch(spawnTsx(entryPoint(service), args, { env: environment(env) }));
}

/** The production build of a service (dist/src/<service>/main.js, after `npm run build`), on node without a loader, with production's flags. */
export function spawnBuilt(service: Service, args: string[], env: Record<string, string> = {}): ServiceProcess {
  const entry = fileURLToPath(new URL(`../../dist/src/${service}/main.js`, import.meta.url));
  return watch(
    spawn(process.execPath, [...SERVICE_NODE_FLAGS, entry, ...args], { env: environment(env), stdio: ['ignore', 'pipe', 'pipe'] }),
  );
}

function watch(child: ChildProcessByStdio<null, Readable, Readable>): ServiceProcess {
  running.add(child);
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const listener of listeners) listener(line);
    });
  }
  const exited = once(child, 'close').then(([code]) => {
    running.delete(child);
    return code as number | null;
  });
  return {
    child,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 15_000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${lines.join('\n')}`));
        }, timeoutMs);
        const listener = (line: string) => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
      });
    },
  };
}

/** Kills whatever a test left running, so a failed test never leaves processes behind. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      const closed = once(child, 'close');
      child.kill('SIGKILL');
      await closed;
    }),
  );
}
