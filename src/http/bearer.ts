/**
 * Bearer tokens: the check every protected route runs, in constant time, and the header a
 * client sends. With no token configured a route is open (the services warn about it once at
 * start-up).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ProblemError } from './problems.ts';

/** Comparing digests keeps the time independent of where, and whether, the strings differ in length. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerMatches(authorization: string | undefined, secret: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  return match !== null && sameSecret(match[1] as string, secret);
}

/** 401 problem+json unless the request carries `Authorization: Bearer <secret>`; a no-op without a secret. */
export function requireBearer(secret: string | undefined, what: string): RequestHandler {
  if (secret === undefined) return (_req, _res, next) => next();
  return (req, _res, next) => {
    if (bearerMatches(req.headers.authorization, secret)) {
      next();
      return;
    }
    const detail = req.headers.authorization === undefined ? `This operation needs the ${what} as a bearer token` : `The ${what} is wrong`;
    next(new ProblemError('UNAUTHORIZED', detail, {}, { 'WWW-Authenticate': 'Bearer' }));
  };
}

export function bearerHeader(secret: string | undefined): Record<string, string> {
  return secret === undefined ? {} : { authorization: `Bearer ${secret}` };
}
