/** The coordinator's HTTP surface: the spec's operations, validated, over a Coordinator. */
import type { Express, Request, Response } from 'express';
import { fileURLToPath } from 'node:url';
import type { paths } from '../../generated/coordinator.ts';
import { createApiApp } from '../shared/http-app.ts';
import type { Logger } from '../shared/logging.ts';
import { ProblemError } from '../shared/problems.ts';
import type { Coordinator } from './coordinator.ts';

type JsonBody<P extends keyof paths> = paths[P]['post'] extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;
type RegisterBody = JsonBody<'/register'>;
type RequestBody = JsonBody<'/request'>;
type RegisterReply = paths['/register']['post']['responses'][200]['content']['application/json'];
type RequestReply = paths['/request']['post']['responses'][200]['content']['application/json'];
type WorkersReply = paths['/workers']['get']['responses'][200]['content']['application/json'];

export const COORDINATOR_SPEC_PATH = fileURLToPath(new URL('../../openapi/coordinator.yaml', import.meta.url));

export interface CoordinatorAppOptions {
  coordinator: Coordinator;
  logger: Logger;
  bodyLimitBytes: number;
  validateResponses: boolean;
}

export function createCoordinatorApp(options: CoordinatorAppOptions): Express {
  const { coordinator } = options;

  function handleRegister(req: Request<object, RegisterReply, RegisterBody>, res: Response<RegisterReply>): void {
    assertAbsoluteHttpUrl(req.body.endpoint);
    res.json(coordinator.registerWorker(req.body));
  }

  function handleListWorkers(_req: Request, res: Response<WorkersReply>): void {
    res.json({ workers: coordinator.listWorkers() });
  }

  async function handleRequest(req: Request<object, RequestReply, RequestBody>, res: Response<RequestReply>): Promise<void> {
    // A client that hangs up abandons its request: stop the fan-out instead of finishing it.
    const abandoned = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) abandoned.abort();
    };
    res.on('close', onClose);
    try {
      const result = await coordinator.submitRequest(req.body, abandoned.signal);
      if (!abandoned.signal.aborted) res.json(result);
    } finally {
      res.off('close', onClose);
    }
  }

  return createApiApp({
    apiSpec: COORDINATOR_SPEC_PATH,
    logger: options.logger,
    bodyLimitBytes: options.bodyLimitBytes,
    validateResponses: options.validateResponses,
    mountApi(app) {
      app.post('/register', handleRegister);
      app.get('/workers', handleListWorkers);
      app.post('/request', handleRequest);
    },
  });
}

/** The spec's pattern admits only http(s); this also rejects what WHATWG URL cannot parse. */
function assertAbsoluteHttpUrl(endpoint: string): void {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ProblemError('VALIDATION_FAILED', '/body/endpoint must be an absolute http(s) URL', {
      errors: [{ path: '/body/endpoint', message: 'must be an absolute http(s) URL' }],
    });
  }
}
