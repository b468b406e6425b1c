/** The coordinator's HTTP surface: the spec's operations, validated, over a Coordinator. */
import type { Express, Request, RequestHandler, Response } from 'express';
import type { paths } from '../../generated/coordinator.ts';
import { COORDINATOR_SPEC_PATH } from '../contract/spec-paths.ts';
import { mountCoordinatorDocs } from '../docs/mount.ts';
import { bearerMatches, requireBearer } from '../http/bearer.ts';
import { createApiApp } from '../http/api-app.ts';
import { limitPerClient } from '../http/rate-limit.ts';
import type { Logger } from '../logging/logger.ts';
import { normaliseInstant } from '../contract/instant.ts';
import { ProblemError, shuttingDownProblem, storeUnavailableProblem } from '../http/problems.ts';
import type { Coordinator } from './coordinator.ts';
import type { FeedEvents } from './feeds/feed-events.ts';
import { mountFeedRoutes } from './feeds/feed-routes.ts';
import type { FeedService } from './feeds/feed-service.ts';
import type { EndpointPolicy } from '../net/endpoint-policy.ts';
import type { CoordinatorMetrics } from './metrics.ts';
import { CALL_PATHS, SIGNATURE_HEADER } from '../signing/worker-call.ts';
import type { WorkerAuthority } from './worker-auth.ts';

type JsonBody<P extends keyof paths> = paths[P]['post'] extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;
type JsonReply<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer R } } };
}
  ? R
  : never;
type WorkerParams = paths['/workers/{id}']['get']['parameters']['path'];
type HeartbeatBody = NonNullable<paths['/workers/{id}/heartbeat']['post']['requestBody']>['content']['application/json'];
/** Query values as strings or numbers: the validator checks them; whether it coerces them varies. */
type WorkerListQuery = { [K in keyof NonNullable<paths['/workers']['get']['parameters']['query']>]?: string };

type RoundParams = paths['/rounds/{request_id}']['get']['parameters']['path'];
type RoundListQuery = { [K in keyof NonNullable<paths['/rounds']['get']['parameters']['query']>]?: string };

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_ROUNDS_PAGE = 50;

/** The address a request came from: the id a worker registers belongs to it. */
function sourceOf(req: { socket: { remoteAddress?: string | undefined } }): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** The reads the read token protects, as Express paths. */
const READ_PATHS = [
  '/workers',
  '/workers/:id',
  '/rounds',
  '/rounds/:request_id',
  '/feeds',
  '/feeds/:feed_id',
  '/feeds/:feed_id/latest',
  '/feeds/:feed_id/rounds',
  '/feeds/:feed_id/events',
  '/metrics',
];

/**
 * The guard of the workers' own calls. The admin token lets an operator remove any worker
 * (`res.locals.operator`); otherwise the registration token admits a worker. With pinned keys a
 * signed call needs no token: the handlers then admit only a valid signature by a pinned key.
 */
function workerGuard(registrationToken: string | undefined, adminToken: string | undefined, pinned: boolean): RequestHandler {
  const requireToken = requireBearer(registrationToken, 'registration token');
  return (req, res, next) => {
    if (adminToken !== undefined && req.method === 'DELETE' && bearerMatches(req.headers.authorization, adminToken)) {
      res.locals.operator = true;
      next();
      return;
    }
    if (pinned && req.headers[SIGNATURE_HEADER] !== undefined) {
      next();
      return;
    }
    requireToken(req, res, next);
  };
}

export interface CoordinatorAppOptions {
  coordinator: Coordinator;
  feeds: FeedService;
  events: FeedEvents;
  /** Required to create, replace and delete feeds when set. */
  adminToken?: string | undefined;
  /** Whether the store answers; /readyz fails while it does not. */
  storeReady: () => boolean;
  metrics: CoordinatorMetrics;
  endpointPolicy: EndpointPolicy;
  /**
   * Required of workers on register, heartbeat and deregister when set; with pinned keys
   * (--trusted-workers), a signed call needs no token.
   */
  registrationToken?: string | undefined;
  /** Who may act for a worker id: key bindings, signed calls, pinned keys. */
  auth: WorkerAuthority;
  /** Required to read the registry, the history, the feeds and the metrics when set. */
  readToken?: string | undefined;
  /** Required of clients on POST /request when set. */
  apiKey?: string | undefined;
  /** Per client IP and minute; 0 or unset for no limit. */
  requestRateLimit?: number;
  registerRateLimit?: number;
  logger: Logger;
  bodyLimitBytes: number;
  validateResponses: boolean;
}

export function createCoordinatorApp(options: CoordinatorAppOptions): Express {
  const { coordinator, metrics, endpointPolicy, auth } = options;

  async function handleRegister(
    req: Request<object, JsonReply<'/register', 'post'>, JsonBody<'/register'>>,
    res: Response<JsonReply<'/register', 'post'>>,
  ): Promise<void> {
    const refusal = endpointPolicy.refuseEndpoint(req.body.endpoint);
    if (refusal !== undefined) {
      throw new ProblemError('VALIDATION_FAILED', `/body/endpoint ${refusal}`, { errors: [{ path: '/body/endpoint', message: refusal }] });
    }
    const { id, endpoint } = req.body;
    const key = await auth.authorizeRegistration(req.body, req.headers);
    res.json(await coordinator.registerWorker({ id, endpoint }, sourceOf(req), key));
  }

  async function handleListWorkers(req: Request, res: Response<JsonReply<'/workers', 'get'>>): Promise<void> {
    const { limit, cursor } = req.query as WorkerListQuery;
    res.json(await coordinator.listWorkers(limit === undefined ? DEFAULT_PAGE_SIZE : Number(limit), cursor));
  }

  async function handleGetWorker(req: Request<WorkerParams>, res: Response<JsonReply<'/workers/{id}', 'get'>>): Promise<void> {
    res.json(await coordinator.getWorker(req.params.id));
  }

  async function handleDeregister(req: Request<WorkerParams>, res: Response): Promise<void> {
    const { id } = req.params;
    if (res.locals.operator === true) {
      // Re-keying: the entry and the key binding go, whoever holds the id.
      const [removed, unbound] = await Promise.all([coordinator.removeWorker(id), auth.unbind(id)]);
      if (!removed && !unbound) throw new ProblemError('WORKER_NOT_REGISTERED', `No worker with id ${id} is registered or bound to a key`);
      res.status(204).end();
      return;
    }
    await auth.authorizeCall({ method: 'DELETE', path: CALL_PATHS.deregister(id), workerId: id, endpoint: undefined }, req.headers);
    await coordinator.deregisterWorker(id, sourceOf(req));
    res.status(204).end();
  }

  async function handleHeartbeat(
    req: Request<WorkerParams, JsonReply<'/workers/{id}/heartbeat', 'post'>, HeartbeatBody | undefined>,
    res: Response<JsonReply<'/workers/{id}/heartbeat', 'post'>>,
  ): Promise<void> {
    // A heartbeat without a body is the design document's form; an empty body parses to {}.
    const report: HeartbeatBody = typeof req.body === 'object' ? req.body : {};
    const { id } = req.params;
    await auth.authorizeCall({ method: 'POST', path: CALL_PATHS.heartbeat(id), workerId: id, endpoint: report.endpoint }, req.headers);
    res.json(await coordinator.recordHeartbeat(id, sourceOf(req), report.endpoint));
  }

  async function handleRequest(
    req: Request<object, JsonReply<'/request', 'post'>, JsonBody<'/request'>>,
    res: Response<JsonReply<'/request', 'post'>>,
  ): Promise<void> {
    if (req.body.as_of !== undefined) {
      const asOf = normaliseInstant(req.body.as_of);
      if (asOf === undefined) {
        const message = 'must be an RFC 3339 date-time such as 2026-11-29T17:40:00Z, in the years 0000–9999 in UTC';
        throw new ProblemError('VALIDATION_FAILED', `/body/as_of ${message}`, { errors: [{ path: '/body/as_of', message }] });
      }
      // The workers get, and the result echoes, one spelling of the moment: UTC with milliseconds.
      req.body.as_of = asOf;
    }
    // A client that hangs up abandons its request: stop the fan-out instead of finishing it.
    const abandoned = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) abandoned.abort();
    };
    res.on('close', onClose);
    try {
      const result = await coordinator.submitRequest(req.body, abandoned.signal);
      if (!abandoned.signal.aborted) res.json(result);
    } catch (error) {
      if (!abandoned.signal.aborted) throw error;
    } finally {
      res.off('close', onClose);
    }
  }

  async function handleGetRound(req: Request<RoundParams>, res: Response<JsonReply<'/rounds/{request_id}', 'get'>>): Promise<void> {
    res.json(await coordinator.getRound(req.params.request_id));
  }

  async function handleListRounds(req: Request, res: Response<JsonReply<'/rounds', 'get'>>): Promise<void> {
    const { limit, query, before } = req.query as RoundListQuery;
    res.json(await coordinator.listRounds(limit === undefined ? DEFAULT_ROUNDS_PAGE : Number(limit), query, before));
  }

  function handleLiveness(_req: Request, res: Response<JsonReply<'/healthz', 'get'>>): void {
    res.json({ status: 'ok' });
  }

  function handleReadiness(_req: Request, res: Response<JsonReply<'/readyz', 'get'>>): void {
    if (coordinator.draining) throw shuttingDownProblem();
    if (!options.storeReady()) throw storeUnavailableProblem('not connected');
    res.json({ status: 'ready' });
  }

  async function handleKeys(_req: Request, res: Response<JsonReply<'/keys', 'get'>>): Promise<void> {
    res.json(await auth.keySet());
  }

  async function handleMetrics(_req: Request, res: Response): Promise<void> {
    const { contentType, body } = await metrics.render();
    res.type(contentType).send(body);
  }

  return createApiApp({
    apiSpec: COORDINATOR_SPEC_PATH,
    logger: options.logger,
    bodyLimitBytes: options.bodyLimitBytes,
    validateResponses: options.validateResponses,
    mountUnvalidated: mountCoordinatorDocs,
    mountGuards(app) {
      // Limits first, so that guessing tokens is throttled too. A guard that is off is not
      // mounted: every request would still be matched against its paths.
      const { registerRateLimit = 0, requestRateLimit = 0 } = options;
      if (registerRateLimit > 0) app.post('/register', limitPerClient(registerRateLimit, 'registrations'));
      if (requestRateLimit > 0) app.post('/request', limitPerClient(requestRateLimit, 'requests'));
      const worker = workerGuard(options.registrationToken, options.adminToken, auth.pinned);
      app.post('/register', worker);
      app.post('/workers/:id/heartbeat', worker);
      app.delete('/workers/:id', worker);
      if (options.readToken !== undefined) app.get(READ_PATHS, requireBearer(options.readToken, 'read token'));
      if (options.apiKey !== undefined) app.post('/request', requireBearer(options.apiKey, 'API key'));
      if (options.adminToken !== undefined) {
        const admin = requireBearer(options.adminToken, 'admin token');
        app.put('/feeds/:feed_id', admin);
        app.delete('/feeds/:feed_id', admin);
      }
    },
    mountApi(app) {
      // The hot path first: Express tries the routes in order, and none of them overlap.
      app.post('/request', handleRequest);
      app.post('/register', handleRegister);
      app.get('/workers', handleListWorkers);
      app.get('/workers/:id', handleGetWorker);
      app.delete('/workers/:id', handleDeregister);
      app.post('/workers/:id/heartbeat', handleHeartbeat);
      app.get('/rounds', handleListRounds);
      app.get('/rounds/:request_id', handleGetRound);
      mountFeedRoutes(app, options.feeds, options.events);
      app.get('/healthz', handleLiveness);
      app.get('/readyz', handleReadiness);
      app.get('/keys', handleKeys);
      app.get('/metrics', handleMetrics);
    },
  });
}
