/**
 * The project's programs as child processes: `node --import tsx <entry> …args`, the way the
 * `npm run` scripts run them, without a build step. Callers keep their own policies (how they
 * show the child's output, how they tell it is ready, how they stop it).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** Node's flags that load TypeScript through tsx (also the execArgv of a forked module). */
export const TSX_EXEC_ARGV: readonly string[] = ['--import', 'tsx'];

/** The programs with a src/<name>/main.ts. */
export type Program = 'client' | 'cluster' | 'coordinator' | 'docs' | 'lab' | 'worker';

/** The absolute path of src/<program>/main.ts. */
export function entryPoint(program: Program): string {
  return fileURLToPath(new URL(`../${program}/main.ts`, import.meta.url));
}

/** The arguments of `node` that run `entry` through tsx, for spawn or execFile with process.execPath. */
export function tsxArgv(entry: string, args: readonly string[] = []): string[] {
  return [...TSX_EXEC_ARGV, entry, ...args];
}

export interface TsxSpawnOptions {
  /** The child's whole environment; this process's by default. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts `entry` with stdin closed and stdout and stderr piped to the caller. */
export function spawnTsx(
  entry: string,
  args: readonly string[],
  options: TsxSpawnOptions = {},
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, tsxArgv(entry, args), { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
}
