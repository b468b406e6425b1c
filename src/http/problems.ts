/**
 * The error model: every 4xx/5xx body is an RFC 9457 problem. The project's own errors carry a
 * stable `code` and an HTTP status; errors from the body parser and the OpenAPI validator are
 * mapped onto the same codes, so a client can branch on `code` whatever raised the error.
 */
import type { Problem } from '../contract/models.ts';
import { boundProblem } from './problem-limits.ts';

interface ProblemKind {
  readonly status: number;
  readonly title: string;
  /** Generic HTTP conditions use `about:blank`; conditions of this project get a URN of their own. */
  readonly generic?: true;
}

export const PROBLEM_KINDS = {
  VALIDATION_FAILED: { status: 400, title: 'Request validation failed' },
  MALFORMED_JSON: { status: 400, title: 'Malformed JSON' },
  /** Refused by Node's HTTP parser, before any route: not HTTP/1.1 as RFC 9112 has it. */
  MALFORMED_REQUEST: { status: 400, title: 'Malformed HTTP request' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized', generic: true },
  BAD_SIGNATURE: { status: 401, title: 'Bad signature' },
  WORKER_NOT_TRUSTED: { status: 403, title: 'Worker not trusted' },
  NOT_FOUND: { status: 404, title: 'Not Found', generic: true },
  WORKER_NOT_REGISTERED: { status: 404, title: 'Worker not registered' },
  ROUND_NOT_FOUND: { status: 404, title: 'Round not found' },
  FEED_NOT_FOUND: { status: 404, title: 'Feed not found' },
  NO_PUBLICATION: { status: 404, title: 'No publication yet' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method Not Allowed', generic: true },
  REQUEST_TIMEOUT: { status: 408, title: 'Request Timeout', generic: true },
  REQUEST_ID_IN_USE: { status: 409, title: 'Request id in use' },
  REGISTRY_FULL: { status: 409, title: 'Registry full' },
  ADDRESS_LIMIT_REACHED: { status: 409, title: 'Too many workers from this address' },
  WORKER_ID_TAKEN: { status: 409, title: 'Worker id taken' },
  ENDPOINT_MISMATCH: { status: 409, title: 'Endpoint mismatch' },
  WORKER_KEY_MISMATCH: { status: 409, title: 'Worker key mismatch' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload Too Large', generic: true },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported Media Type', generic: true },
  RATE_LIMITED: { status: 429, title: 'Too Many Requests', generic: true },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request Header Fields Too Large', generic: true },
  NO_WORKERS: { status: 503, title: 'No workers registered' },
  NO_USABLE_ANSWER: { status: 503, title: 'No usable answer' },
  NO_MAJORITY: { status: 503, title: 'No majority' },
  SIMULATED_OUTAGE: { status: 503, title: 'Simulated outage' },
  SHUTTING_DOWN: { status: 503, title: 'Shutting down' },
  STORE_UNAVAILABLE: { status: 503, title: 'Store unavailable' },
  RESPONSE_VALIDATION_FAILED: { status: 500, title: 'Response violates the API contract' },
  INTERNAL: { status: 500, title: 'Internal Server Error', generic: true },
} as const satisfies Record<string, ProblemKind>;

export type ProblemCode = keyof typeof PROBLEM_KINDS;
export type FieldError = NonNullable<Problem['errors']>[number];
/** Extension members a problem may carry besides the RFC 9457 ones. */
export type ProblemExtensions = Pick<Problem, 'errors' | 'request_id' | 'worker_responses'>;

export function problemType(code: ProblemCode): string {
  const kind: ProblemKind = PROBLEM_KINDS[code];
  return kind.generic ? 'about:blank' : `urn:oracle-network:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/** An error that knows how it looks on the wire. */
export class ProblemError extends Error {
  readonly status: number;

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extensions: ProblemExtensions = {},
    /** Response headers the problem needs, e.g. `Allow` on a 405. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
    this.status = PROBLEM_KINDS[code].status;
  }

  /** The problem as sent: every member within the spec's Problem schema, however long its source. */
  toProblem(instance?: string): Problem {
    return boundProblem({
      type: problemType(this.code),
      title: PROBLEM_KINDS[this.code].title,
      status: this.status,
      detail: this.detail,
      ...(instance === undefined ? {} : { instance }),
      code: this.code,
      ...this.extensions,
    });
  }
}

/** What every service answers while it drains for shutdown. */
export function shuttingDownProblem(): ProblemError {
  return new ProblemError('SHUTTING_DOWN', 'The service is shutting down and accepts no new work');
}

/** What a service answers while its shared store cannot be reached. */
export function storeUnavailableProblem(cause: unknown): ProblemError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ProblemError('STORE_UNAVAILABLE', `The shared store cannot be reached (${detail.slice(0, 200)}); try again shortly`);
}

/**
 * The problem a failed call answered with, as openapi-fetch hands it over: the body when the
 * server sent a problem, else one made from the status line (a proxy in between may send none).
 */
export function problemOf(error: unknown, response: Response): Problem {
  if (typeof error === 'object' && error !== null && 'title' in error && 'status' in error) return error as Problem;
  return { type: 'about:blank', title: `HTTP ${response.status} ${response.statusText}`.trim(), status: response.status };
}

/** A client-side view of a problem answer, thrown by the typed clients. */
export class ProblemResponseError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.title}${problem.detail ? `: ${problem.detail}` : ''}`);
    this.name = 'ProblemResponseError';
  }

  get status(): number {
    return this.problem.status;
  }
}
