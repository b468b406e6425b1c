/**
 * Prism (the installed @stoplight/prism-cli) as a child process for the contract tests: a mock
 * server answering from a spec's examples, or a validating proxy in front of a real server.
 * Each instance listens on its own free loopback port and is killed by `close()`, or at the
 * latest when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/process/free-port.ts';

const PRISM_BIN = fileURLToPath(new URL('../../node_modules/.bin/prism', import.meta.url));
const STARTUP_LIMIT_MS = 30_000;
const START_ATTEMPTS = 3;
const STOP_GRACE_MS = 2_000;
const KEPT_OUTPUT_LINES = 2_000;

/** Per-test limit of the contract tests: each exchange crosses Prism, on a machine that may be busy. */
export const PRISM_TEST_TIMEOUT_MS = 20_000;

/** The `type` of every problem Prism itself answers with (422 invalid request, 500 violations…). */
export const PRISM_PROBLEM_TYPE_PREFIX = 'https://stoplight.io/prism/errors#';

/**
 * A path in no spec. Prism answers it with its own 404 problem (a proxy too, since it always
 * runs with --errors here), which tells a ready Prism from anything else on the port.
 */
const READINESS_PROBE_PATH = '/__contract-tests-readiness-probe__';

export interface PrismServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** What Prism printed so far (stdout and stderr, the most recent lines). */
  output(): string;
  /**
   * The problems Prism logged so far, one line each: violations it let through ("Violation: …")
   * and requests it answered with an error of its own ("Request terminated with error: …", which
   * is how a violation shows under --errors). A clean exchange logs neither.
   */
  reportedProblems(): string[];
  /** Resolves with the first output line matching `pattern`; Prism logs after it answers. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export interface PrismProxyOptions {
  /**
   * Validate requests before forwarding them (default true). An invalid request is then refused
   * with a 422 and never reaches the upstream; turn this off to let bad input through to the
   * real server while its responses are still validated.
   */
  validateRequest?: boolean;
}

/** `prism mock <spec>`: answers every operation with the spec's examples. */
export function startPrismMock(specPath: string): Promise<PrismServer> {
  return startPrism(['mock', specPath]);
}

/**
 * `prism proxy <spec> <upstream> --errors`: forwards to `upstream` and validates both directions;
 * a response that breaks the spec is replaced by Prism's own 500 problem.
 */
export function startPrismProxy(specPath: string, upstream: string, options: PrismProxyOptions = {}): Promise<PrismServer> {
  return startPrism(['proxy', specPath, upstream, '--errors', ...(options.validateRequest === false ? ['--validate-request=false'] : [])]);
}

const running = new Set<ChildProcess>();
// A test run that dies half-way must not leave Prism servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The free port may be taken by someone else before Prism binds it; then try another. */
async function startPrism(args: string[]): Promise<PrismServer> {
  for (let attempt = 1; ; attempt++) {
    const server = spawnPrism(args, await freePort());
    try {
      await server.ready;
      return server;
    } catch (error) {
      await server.close();
      const lostPort = /EADDRINUSE/.test(server.output());
      if (!lostPort || attempt === START_ATTEMPTS)
        throw new Error(`prism ${args.join(' ')} did not start: ${(error as Error).message}\n${server.output()}`);
    }
  }
}

function spawnPrism(args: string[], port: number): PrismServer & { ready: Promise<void> } {
  const child = spawn(PRISM_BIN, [...args, '--host', '127.0.0.1', '--port', String(port), '--verboseLevel', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  running.add(child);
  const exited = once(child, 'exit').then(() => running.delete(child));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;

  const lines: string[] = [];
  const problems: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let partial = '';
  const collect = (chunk: Buffer) => {
    const complete = (partial + chunk.toString('utf8')).split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      lines.push(line);
      if (lines.length > KEPT_OUTPUT_LINES) lines.shift();
      if (/Violation: |Request terminated with error/.test(line) && !line.includes(READINESS_PROBE_PATH)) problems.push(line);
      for (const listener of listeners) listener(line);
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    ready: waitUntilReady(url, hasExited),
    output: () => [...lines, partial].join('\n'),
    reportedProblems: () => [...problems],
    waitForOutput(pattern, timeoutMs = 5000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const onLine = (line: string) => {
          if (!pattern.test(line)) return;
          stop();
          resolve(line);
        };
        const timer = setTimeout(() => {
          stop();
          reject(new Error(`Prism printed nothing matching ${String(pattern)} within ${timeoutMs} ms:\n${lines.join('\n')}`));
        }, timeoutMs);
        const stop = () => {
          clearTimeout(timer);
          listeners.delete(onLine);
        };
        listeners.add(onLine);
      });
    },
    async close() {
      if (hasExited()) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Prism loads and resolves the spec before it listens; ready means it answers the probe itself. */
async function waitUntilReady(url: string, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + STARTUP_LIMIT_MS;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('it exited');
    if (await answersAsPrism(url)) return;
    await sleep(50);
  }
  throw new Error(`it did not answer on ${url} within ${STARTUP_LIMIT_MS} ms`);
}

async function answersAsPrism(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}${READINESS_PROBE_PATH}`);
    const body = (await response.json().catch(() => ({}))) as { type?: unknown };
    return response.status === 404 && body.type === `${PRISM_PROBLEM_TYPE_PREFIX}NO_PATH_MATCHED_ERROR`;
  } catch {
    return false;
  }
}
