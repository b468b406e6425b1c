/**
 * The project's programs as child processes: `node --import tsx <entry> …args`, the way the
 * `npm run` scripts run them, without a build step; or, when this module itself runs from the
 * production build (dist/, plain JavaScript), `node <entry>.js` with no loader. Callers keep
 * their own policies (how they show the child's output, how they tell it is ready, how they stop it).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** Whether this is the built JavaScript (dist/) rather than the TypeScript sources. */
const BUILT = import.meta.url.endsWith('.js');

/** Node's flags that load TypeScript through tsx (also the execArgv of a forked module); none for the build. */
export const TSX_EXEC_ARGV: readonly string[] = BUILT ? [] : ['--import', 'tsx'];

/** The programs with a src/<name>/main.ts. */
export type Program = 'client' | 'cluster' | 'coordinator' | 'docs' | 'lab' | 'worker';

/** The absolute path of src/<program>/main.ts (main.js in the build). */
export function entryPoint(program: Program): string {
  return fileURLToPath(new URL(`../${program}/main.${BUILT ? 'js' : 'ts'}`, import.meta.url));
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
