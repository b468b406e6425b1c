/**
 * One HTTP request and its answer, read the way the contract tests judge it: status, media
 * type, body, and what a Prism proxy said about it. Prism reports what it found wrong in an
 * `sl-violations` header; with `--errors` it also replaces a response that breaks the spec by a
 * 500 problem of its own (and refuses a request that breaks it with a 422), whose `type` starts
 * with PRISM_PROBLEM_TYPE_PREFIX.
 */
import { PRISM_PROBLEM_TYPE_PREFIX } from './prism.ts';

export interface PrismViolation {
  /** e.g. ["response", "body", "value"] */
  location: string[];
  severity: string;
  code: string | number;
  message: string;
}

export interface Exchange {
  request: string;
  status: number;
  contentType: string | null;
  /** Parsed JSON when the answer is JSON, the text otherwise, undefined when empty. */
  body: unknown;
  violations: PrismViolation[];
}

export interface ExchangeOptions {
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is, with `contentType`. */
  text?: string;
  contentType?: string;
}

export async function exchange(baseUrl: string, method: string, path: string, options: ExchangeOptions = {}): Promise<Exchange> {
  const hasBody = options.json !== undefined || options.text !== undefined;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: hasBody ? { 'content-type': options.contentType ?? 'application/json' } : {},
    body: options.text ?? (options.json === undefined ? undefined : JSON.stringify(options.json)),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type');
  return {
    request: `${method} ${path}`,
    status: response.status,
    contentType,
    body: text === '' ? undefined : /json/i.test(contentType ?? '') ? (JSON.parse(text) as unknown) : text,
    violations: parseViolations(response.headers.get('sl-violations')),
  };
}

/**
 * A typed client's answer (openapi-fetch's `data`/`error` and `response`) as an Exchange, so that
 * what Prism said about it can be judged the same way.
 */
export function exchangeOf(reply: { data?: unknown; error?: unknown; response: Response }): Exchange {
  const { response } = reply;
  return {
    request: response.url,
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: reply.error ?? reply.data,
    violations: parseViolations(response.headers.get('sl-violations')),
  };
}

/** True when Prism answered in place of the server: a refused request or a broken response. */
export function isPrismProblem(reply: Exchange): boolean {
  const type = (reply.body as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' && type.startsWith(PRISM_PROBLEM_TYPE_PREFIX);
}

/** What Prism said about an exchange, for assertion messages; empty when it said nothing. */
export function prismVerdict(reply: Exchange): string {
  const parts = reply.violations.map((v) => `${v.severity} at ${v.location.join('.')}: ${v.message}`);
  if (isPrismProblem(reply)) parts.push(`Prism answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return parts.length === 0 ? '' : `${reply.request}: ${parts.join('; ')}`;
}

function parseViolations(header: string | null): PrismViolation[] {
  if (header === null) return [];
  // Prism truncates a very long list behind this prefix; keep it readable as one violation.
  if (header.startsWith('Too many violations!')) return [{ location: [], severity: 'Error', code: 'truncated', message: header }];
  return JSON.parse(header) as PrismViolation[];
}
