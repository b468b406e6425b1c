/**
 * One upstream call: the source's request for one pair, over undici's `request` on the source's
 * own dispatcher (which caps the body and resolves names through the endpoint policy), within the
 * source's timeout, and its answer read into a price. Redirects are never followed (undici's
 * `request` follows none): a 3xx is an error that names its status. Every failure is a
 * SourceError whose message says what happened, without the source's name (the caller adds it)
 * and before redaction (the caller redacts).
 */
import { request, type Dispatcher } from 'undici';
import { BlockedAddressError } from '../../net/endpoint-policy.ts';
import type { SourceDefinition } from './definitions.ts';
import { clip, messageAt, priceAt, type Json } from './price.ts';
import { formatWait, parseRetryAfter } from './retry-after.ts';
import { SourceError } from './source-error.ts';
import { fillTemplate, termsFor, tokensIn } from './template.ts';

export interface UpstreamCall {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
}

const USER_AGENT = 'oracle-network-worker';

/** The request for one pair; a SourceError when the source has no id for its base. */
export function buildCall(source: SourceDefinition, pair: string): UpstreamCall {
  const terms = termsFor(pair, source.symbols, source.ids);
  const templates = [source.url, source.path, ...Object.values(source.query), ...Object.values(source.headers)];
  if (terms.base_id === undefined && templates.some((template) => tokensIn(template).placeholders.includes('base_id'))) {
    throw new SourceError(`no id for ${pair.split('/')[0] ?? pair} in the source's ids`);
  }
  const url = new URL(fillTemplate(source.url, terms, source.secrets, encodeURIComponent));
  for (const [name, template] of Object.entries(source.query)) url.searchParams.set(name, fillTemplate(template, terms, source.secrets));
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT };
  for (const [name, template] of Object.entries(source.headers)) headers[name] = fillTemplate(template, terms, source.secrets);
  return { url, headers };
}

/** The JSON path of the price for one pair. */
export function pricePathFor(source: SourceDefinition, pair: string): string {
  return fillTemplate(source.path, termsFor(pair, source.symbols, source.ids));
}

/**
 * The price at `path` in the answer to `call` (× `times`, not yet inverted), or a SourceError.
 * `signal` cancels the call (the worker is shutting down); the source's timeout is this function's own.
 */
export async function fetchPrice(
  source: SourceDefinition,
  call: UpstreamCall,
  path: string,
  dispatcher: Dispatcher,
  signal: AbortSignal,
  now: () => number = Date.now,
): Promise<number> {
  const controller = new AbortController();
  const timedOut = new SourceError(`no answer within ${source.timeoutMs} ms`);
  const timer = setTimeout(() => controller.abort(timedOut), source.timeoutMs);
  const cancel = () => controller.abort(new SourceError('cancelled (the worker is shutting down)'));
  if (signal.aborted) cancel();
  else signal.addEventListener('abort', cancel, { once: true });
  try {
    const answer = await request(call.url, { method: 'GET', headers: call.headers, signal: controller.signal, dispatcher });
    return await priceFromAnswer(answer, source, path, now);
  } catch (error) {
    throw describeFailure(controller.signal.aborted ? controller.signal.reason : error, source);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', cancel);
  }
}

async function priceFromAnswer(
  answer: Dispatcher.ResponseData,
  source: SourceDefinition,
  path: string,
  now: () => number,
): Promise<number> {
  const { statusCode, headers, body } = answer;
  if (statusCode >= 300 && statusCode < 400) {
    await body.dump();
    throw new SourceError(`HTTP ${statusCode} redirect${redirectTarget(headers.location)} (not followed)`);
  }
  if (statusCode < 200 || statusCode >= 300) {
    const retryAfterMs = statusCode === 429 || statusCode === 503 ? parseRetryAfter(headers['retry-after'], now()) : undefined;
    const wait = retryAfterMs === undefined ? '' : ` (retry after ${formatWait(retryAfterMs)})`;
    const detail = await providerMessage(body, source.errorPath);
    const retry = retryAfterMs === undefined ? undefined : { afterMs: retryAfterMs, status: statusCode };
    throw new SourceError(`HTTP ${statusCode}${wait}${detail === undefined ? '' : `: ${detail}`}`, retry);
  }
  const text = await body.text();
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch {
    const type = headers['content-type'];
    throw new SourceError(`not JSON${typeof type === 'string' ? ` (${clip(type, 60)})` : ''}`);
  }
  const providerError = source.errorPath === undefined ? undefined : messageAt(json, source.errorPath);
  if (providerError !== undefined) throw new SourceError(`provider error: ${providerError}`);
  return priceAt(json, path, source.times);
}

/** The provider's error message from an error answer's body, when it is JSON and has one. */
async function providerMessage(body: Dispatcher.ResponseData['body'], errorPath: string | undefined): Promise<string | undefined> {
  if (errorPath === undefined) {
    await body.dump();
    return undefined;
  }
  try {
    return messageAt(JSON.parse(await body.text()) as Json, errorPath);
  } catch {
    return undefined;
  }
}

/** Where a redirect pointed, as scheme and host only: a path or query could carry what we sent. */
function redirectTarget(location: string | string[] | undefined): string {
  const target = Array.isArray(location) ? location[0] : location;
  if (target === undefined) return '';
  try {
    return ` to ${new URL(target).origin}`;
  } catch {
    return '';
  }
}

function describeFailure(error: unknown, source: SourceDefinition): SourceError {
  if (error instanceof SourceError) return error;
  if (error instanceof BlockedAddressError) return new SourceError(`refused: ${error.message}`);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return new SourceError(`response larger than ${source.maxBodyBytes} bytes`);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return new SourceError(`no answer within ${source.timeoutMs} ms`);
  // undici rejects with the system error itself (ECONNREFUSED, ENOTFOUND) or one of its own, whose message says more.
  if (typeof code === 'string' && !code.startsWith('UND_ERR_')) return new SourceError(`unreachable: ${code}`);
  return new SourceError(`transport error: ${clip(error instanceof Error ? error.message : String(error))}`);
}
