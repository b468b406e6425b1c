/**
 * The Express scaffolding both services share: body parsing, the OpenAPI validator as the
 * run-time contract, access logs, and the single error handler that answers problem+json.
 */
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';
import { performance } from 'node:perf_hooks';
import * as OpenApiValidator from 'express-openapi-validator';
import { pinoHttp } from 'pino-http';
import { v4 as uuidv4 } from 'uuid';
import type { Logger } from '../logging/logger.ts';
import type { Problem } from '../contract/models.ts';
import { toProblemError } from './errors-to-problems.ts';
import { ProblemError } from './problems.ts';
import { cacheRoutePatterns } from './route-pattern-cache.ts';

cacheRoutePatterns();

export interface ApiAppOptions {
  /** Path of the OpenAPI document the app serves. */
  apiSpec: string;
  logger: Logger;
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  /** Check every response against the spec too (tests turn this on; it costs time per request). */
  validateResponses: boolean;
  /** Routes outside the spec (docs, health) go here, ahead of the validator. */
  mountUnvalidated?: (app: Express) => void;
  /** Rate limits and authentication, ahead of body parsing: a refused caller costs little and learns nothing from validation. */
  mountGuards?: (app: Express) => void;
  /** The spec's operations. */
  mountApi: (app: Express) => void;
}

export function createApiApp(options: ApiAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // pino-http serializes every request into a child logger even when its lines are filtered
  // out; at info and above, log only the requests that failed (the benchmark measured the cost).
  app.use(options.logger.isLevelEnabled('debug') ? accessLog(options.logger) : failedRequestLog(options.logger));
  options.mountUnvalidated?.(app);
  options.mountGuards?.(app);
  app.use(express.json({ limit: options.bodyLimitBytes, type: ['application/json', 'application/*+json'], strict: true }));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: options.apiSpec,
      validateRequests: { allowUnknownQueryParameters: false, allErrors: true },
      validateResponses: options.validateResponses ? { onError: undefined } : false,
      validateApiSpec: false,
      // Bearer tokens are checked by our own middleware, before the body is even parsed.
      validateSecurity: false,
      // No operation takes multipart/form-data: without multer's layer a request costs one
      // middleware less, and a multipart body is still refused (415) by request validation.
      fileUploader: false,
      // Bundle mode rewrites refs into our shared components file as paths the validator cannot follow.
      $refParser: { mode: 'dereference' },
      validateFormats: true,
      ajvFormats: { mode: 'full' },
    }),
  );
  options.mountApi(app);
  app.use((req, _res, next) => next(new ProblemError('NOT_FOUND', `No route for ${req.method} ${req.path}`)));
  app.use(problemHandler(options.logger));
  return app;
}

function accessLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (_req, res) => {
      const id = uuidv4();
      res.setHeader('x-request-id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug'),
  });
}

function failedRequestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      if (res.statusCode < 400) return;
      const fields = { method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(performance.now() - started) };
      if (res.statusCode >= 500) logger.error(fields, 'request failed');
      else logger.warn(fields, 'request refused');
    });
    next();
  };
}

function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const problemError = toProblemError(error, req.method, req.path);
    if (problemError.status >= 500 && !(error instanceof ProblemError)) {
      logger.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled error');
    }
    sendProblem(res, problemError.toProblem(req.originalUrl.split('?')[0]), problemError.headers);
  };
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  // res.json keeps the problem under response validation when that is on.
  res.status(problem.status).set(headers).type('application/problem+json').json(problem);
}
