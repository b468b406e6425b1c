/** Runs one of the project's programs (src/<name>/main.ts) to completion as a user would, and reports its exit code and output. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { entryPoint, tsxArgv, type Program } from '../../src/process/tsx.ts';
import { TEST_CONFIG_HOME } from './temporary.ts';

const run = promisify(execFile);

export interface ProgramRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runProgram(program: Program, args: readonly string[], timeoutMs = 20_000): Promise<ProgramRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, tsxArgv(entryPoint(program), args), {
      timeout: timeoutMs,
      env: { ...process.env, XDG_CONFIG_HOME: TEST_CONFIG_HOME },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as ProgramRun;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** `npm run client -- …args` */
export function runClient(...args: string[]): Promise<ProgramRun> {
  return runProgram('client', args);
}
