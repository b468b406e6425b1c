/** The APIs the project documents, by the name that appears in their URLs. */
import { COORDINATOR_SPEC_PATH, WORKER_SPEC_PATH } from '../contract/spec-paths.ts';

export interface ApiDoc {
  /** URL segment: /docs/<name> and /openapi/<name>.yaml. Lower case letters and dashes only. */
  readonly name: string;
  /** The spec's root file; it may reference other files. */
  readonly specPath: string;
}

export const COORDINATOR_API_DOC: ApiDoc = { name: 'coordinator', specPath: COORDINATOR_SPEC_PATH };
export const WORKER_API_DOC: ApiDoc = { name: 'worker', specPath: WORKER_SPEC_PATH };

/** What the coordinator documents: its own API and the one its workers must implement. */
export const COORDINATOR_DOCS: readonly ApiDoc[] = [COORDINATOR_API_DOC, WORKER_API_DOC];
/** What a worker documents: its own API. */
export const WORKER_DOCS: readonly ApiDoc[] = [WORKER_API_DOC];
