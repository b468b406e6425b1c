/** The docs each service serves, in the shape of createApiApp's `mountUnvalidated` option. */
import type { Express } from 'express';
import { COORDINATOR_DOCS, WORKER_DOCS } from './apis.ts';
import { createDocsRouter } from './router.ts';

/** /docs, /docs/coordinator, /docs/worker, /openapi/coordinator.yaml, /openapi/worker.yaml */
export function mountCoordinatorDocs(app: Express): void {
  app.use(createDocsRouter(COORDINATOR_DOCS));
}

/** /docs, /docs/worker, /openapi/worker.yaml */
export function mountWorkerDocs(app: Express): void {
  app.use(createDocsRouter(WORKER_DOCS));
}
