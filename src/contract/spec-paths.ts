/** Where the specs live on disk: every module that reads one takes its path from here. */
import { fileURLToPath } from 'node:url';

const OPENAPI_DIR = new URL('../../openapi/', import.meta.url);

export function specFile(name: string): string {
  return fileURLToPath(new URL(name, OPENAPI_DIR));
}

export const COORDINATOR_SPEC_PATH = specFile('coordinator.yaml');
export const WORKER_SPEC_PATH = specFile('worker.yaml');
/** The models both specs share; not an API on its own. */
export const COMPONENTS_SPEC_PATH = specFile('components.yaml');
