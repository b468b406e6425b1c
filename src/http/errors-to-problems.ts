/**
 * Turns whatever an Express app throws into a ProblemError: our own errors pass through, the
 * body parser's and the OpenAPI validator's are mapped by their status, anything else is a 500
 * whose details stay in the log, never on the wire.
 */
import { ProblemError, type FieldError, type ProblemCode } from './problems.ts';

interface ValidatorErrorItem {
  path?: unknown;
  message?: unknown;
  errorCode?: unknown;
}

interface HttpLikeError {
  status?: unknown;
  type?: unknown;
  message?: unknown;
  errors?: unknown;
  headers?: unknown;
  limit?: unknown;
}

const CODE_BY_STATUS: Record<number, ProblemCode> = {
  400: 'VALIDATION_FAILED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

export function toProblemError(error: unknown, method: string, path: string): ProblemError {
  if (error instanceof ProblemError) return error;
  const http = (typeof error === 'object' && error !== null ? error : {}) as HttpLikeError;
  const status = typeof http.status === 'number' ? http.status : 500;

  // body-parser's errors carry a `type`; its messages are safe to show.
  if (http.type === 'entity.parse.failed') {
    return new ProblemError('MALFORMED_JSON', 'The request body is not valid JSON');
  }
  if (http.type === 'entity.too.large') {
    return new ProblemError('PAYLOAD_TOO_LARGE', `The request body exceeds the limit of ${String(http.limit)} bytes`);
  }

  const code = CODE_BY_STATUS[status];
  if (code !== undefined) {
    const errors = fieldErrors(http.errors);
    const detail = code === 'VALIDATION_FAILED' ? summarise(errors) : describe(code, method, path, http.message);
    const headers = typeof http.headers === 'object' && http.headers !== null ? stringRecord(http.headers) : {};
    return new ProblemError(code, detail, code === 'VALIDATION_FAILED' ? { errors } : {}, headers);
  }
  if (status === 500 && Array.isArray(http.errors) && /[./]response\b/.test(String(http.message))) {
    // express-openapi-validator's response validation: our own contract bug, worth showing.
    const errors = fieldErrors(http.errors);
    return new ProblemError('RESPONSE_VALIDATION_FAILED', summarise(errors), { errors });
  }
  return new ProblemError('INTERNAL', 'An unexpected error occurred');
}

function describe(code: ProblemCode, method: string, path: string, message: unknown): string {
  switch (code) {
    case 'NOT_FOUND':
      return `No route for ${method} ${path}`;
    case 'METHOD_NOT_ALLOWED':
      return `${method} is not allowed on ${path}`;
    default:
      return typeof message === 'string' ? message : 'The request was rejected';
  }
}

function fieldErrors(raw: unknown): FieldError[] {
  if (!Array.isArray(raw)) return [];
  return raw.slice(0, 100).map((item: ValidatorErrorItem) => ({
    ...(typeof item.path === 'string' ? { path: toPointer(item.path) } : {}),
    message: typeof item.message === 'string' ? item.message : 'invalid',
    ...(typeof item.errorCode === 'string' ? { error_code: item.errorCode } : {}),
  }));
}

/** The validator reports `/body/query`; older paths come as `.body.query`. */
function toPointer(path: string): string {
  return path.startsWith('/') ? path : `/${path.replace(/^\./, '').replaceAll('.', '/')}`;
}

function summarise(errors: FieldError[]): string {
  if (errors.length === 0) return 'The request does not match the API contract';
  return errors.map((e) => (e.path ? `${e.path} ${e.message}` : e.message)).join('; ');
}

function stringRecord(value: object): Record<string, string> {
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
