/**
 * The benchmark's child processes: the coordinator under test, the bare baseline, and the worker
 * fleet each get a process of their own, so that none of them shares an event loop with the
 * load generator (autocannon) or with each other.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCoordinatorApi } from '../src/client/api.ts';
import { childrenRunning, jiffiesBetween, snapshotCpu } from './cpu.ts';
import { freePort } from '../src/process/free-port.ts';
import { spawnTsx, TSX_EXEC_ARGV } from '../src/process/tsx.ts';
import { SERVICE_NODE_FLAGS } from '../src/process/service-node-flags.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT_LINES_KEPT = 200;

const running = new Set<ChildProcess>();

// A crash of the benchmark must not leave servers behind (the fleet also exits on its own when
// its IPC channel closes).
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
// Without these, a signal ends this process without the 'exit' event above.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** The last lines the process printed, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within a few seconds. */
  stop(): Promise<void>;
}

function track(child: ChildProcess, name: string) {
  running.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== ''),
    );
    if (lines.length > OUTPUT_LINES_KEPT) lines.splice(0, lines.length - OUTPUT_LINES_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  const output = () => (lines.length === 0 ? `(${name} printed nothing)` : lines.join('\n'));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };
  return { exited, output, stop };
}

/** Starts `node --import tsx <entry> --port <free> ...args` and waits for its GET /healthz. */
export async function startHttpService(name: string, entry: string, args: readonly string[]): Promise<ServiceProcess> {
  const port = await freePort();
  // Built JavaScript runs on node alone with production's flags; TypeScript through tsx.
  const child = entry.endsWith('.js')
    ? spawn(process.execPath, [...SERVICE_NODE_FLAGS, entry, '--port', String(port), ...args], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawnTsx(entry, ['--port', String(port), ...args], { cwd: REPO_ROOT });
  const { exited, output, stop } = track(child, name);
  const url = `http://127.0.0.1:${port}`;
  const health = createCoordinatorApi({ baseUrl: url });
  const deadline = Date.now() + 20_000;
  let early: number | null | undefined;
  void exited.then((code) => (early = code));
  for (;;) {
    if (early !== undefined) throw new Error(`${name} exited with ${String(early)} before it was ready:\n${output()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} was not ready within 20 s:\n${output()}`);
    }
    try {
      // The baseline answers GET /healthz like the coordinator.
      if ((await health.GET('/healthz')).response.status === 200) break;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  if (child.pid === undefined) throw new Error(`${name} has no pid`);
  return { name, pid: child.pid, url, output, stop };
}

export interface CoordinatorOptions {
  /** `--require-signatures`: on (the default) refuses unsigned workers and answers, and signs a report. */
  requireSignatures?: 'on' | 'off';
  /** Further flags, e.g. `--store redis://…`. */
  args?: readonly string[];
  /** The process's name in messages; "coordinator" by default. */
  name?: string;
}

/** The production build of the coordinator (`npm run build`, which `npm run bench` runs first). */
export const BUILT_COORDINATOR = join(REPO_ROOT, 'dist', 'src', 'coordinator', 'main.js');

/** The coordinator under test, as production runs it: the build, on node without a loader. */
export function startCoordinator({
  requireSignatures = 'on',
  args = [],
  name = 'coordinator',
}: CoordinatorOptions = {}): Promise<ServiceProcess> {
  if (!existsSync(BUILT_COORDINATOR)) throw new Error(`${BUILT_COORDINATOR} is missing: run npm run build (npm run bench does)`);
  return startHttpService(name, BUILT_COORDINATOR, [
    '--log-level',
    'warn',
    // The fleet sends no heartbeats (they would add load the baseline does not get): keep its
    // workers registered for the whole run instead.
    '--worker-ttl-ms',
    '86400000',
    '--require-signatures',
    requireSignatures,
    ...args,
  ]);
}

export function startBaseline(): Promise<ServiceProcess> {
  return startHttpService('baseline', 'bench/baseline.ts', []);
}

/** A process that used at most this many jiffies (10 ms each) in a quarter of a second is done starting. */
const IDLE_JIFFIES = 2;
const SETTLE_STEP_MS = 250;

/**
 * Waits until a coordinator started with `--processes count` has that many node:cluster
 * children, each done starting. The primary answers GET /healthz as soon as one child listens;
 * until the others do, every connection goes to that one, and a measurement would be of fewer
 * processes than asked for. Without /proc, a fixed wait.
 */
export async function waitForProcesses(service: ServiceProcess, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let previous = await snapshotCpu();
  if (previous === undefined) return sleep(3_000);
  for (;;) {
    await sleep(SETTLE_STEP_MS);
    const current = await snapshotCpu();
    if (current === undefined) return;
    const children = childrenRunning(current, service.pid, 'node');
    const before = previous;
    const settled = children.every((pid) => before.processes.has(pid) && jiffiesBetween(before, current, pid) <= IDLE_JIFFIES);
    if (children.length === count && settled) return;
    if (Date.now() > deadline)
      throw new Error(
        `${service.name} had ${children.length} of ${count} processes ready after ${timeoutMs / 1000} s:\n${service.output()}`,
      );
    previous = current;
  }
}

/** Forks a Node process running a TypeScript module with an IPC channel. */
export function forkModule(name: string, entry: string) {
  const child = fork(entry, [], { cwd: REPO_ROOT, execArgv: [...TSX_EXEC_ARGV], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  return { child, ...track(child, name) };
}

/** Resident set size in bytes, from /proc (Linux). */
export async function readResidentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
