/** A temporary directory for a test's files, removed by `close` (pass it to Cleanup). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TemporaryDirectory {
  readonly path: string;
  close(): Promise<void>;
}

export async function temporaryDirectory(prefix = 'oracle-test-'): Promise<TemporaryDirectory> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, close: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Where the programs the tests start keep their keys ($XDG_CONFIG_HOME), so that no test writes
 * to the user's own configuration.
 */
export const TEST_CONFIG_HOME = join(tmpdir(), 'oracle-network-test-config');
