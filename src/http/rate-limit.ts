/**
 * Per-client rate limits (by IP address, in fixed one-minute windows) with express-rate-limit,
 * answering 429 problem+json with Retry-After. A limit of 0 turns it off.
 */
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { ProblemError } from './problems.ts';

export function limitPerClient(perMinute: number, what: string): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res, next) => {
      const retryAfter = res.getHeader('retry-after');
      next(
        new ProblemError(
          'RATE_LIMITED',
          `More than ${perMinute} ${what} a minute from this client; retry after ${String(retryAfter ?? 60)} s`,
          {},
          { 'Retry-After': String(retryAfter ?? 60) },
        ),
      );
    },
  });
}
