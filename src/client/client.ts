/**
 * The typed coordinator client for library use. Failed calls throw a ProblemResponseError that
 * carries the coordinator's problem+json body. What it reads can be verified offline with
 * `verifyOracleResult` and friends, re-exported here.
 */
import type { paths } from '../../generated/coordinator.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Feed, FeedValue, KeySet, OracleRequestSubmission, OracleResult, Round, RoundList, WorkerInfo } from '../contract/models.ts';
import { bearerHeader } from '../http/bearer.ts';
import { problemOf, ProblemResponseError } from '../http/problems.ts';
import { createCoordinatorApi } from './api.ts';
import { readEventStream } from './event-stream.ts';

export { verifyFeedValue, verifyOracleResult, verifyReport, type Verification } from '../signing/verify.ts';

/**
 * Every optional field of the spec's `OracleRequestSubmission`, under its wire name
 * (`strategy`, `timeout_ms`, `min_responses`, …), plus an AbortSignal for the call itself.
 */
export type SubmitOptions = Omit<OracleRequestSubmission, 'query'> & { signal?: AbortSignal };

export interface OracleClientOptions {
  baseUrl: string;
  /** Sent as a bearer token on requests, for a coordinator that requires an API key. */
  apiKey?: string | undefined;
  /** Sent as a bearer token on reads (workers, rounds, feeds), for a coordinator that protects them. */
  readToken?: string | undefined;
  fetch?: typeof globalThis.fetch;
}

/** What `listRounds` may narrow the history to: the query parameters of GET /rounds. */
export type RoundFilter = NonNullable<paths['/rounds']['get']['parameters']['query']>;

export interface OracleClient {
  submitOracleRequest(query: string, options?: SubmitOptions): Promise<OracleResult>;
  /** One round of the coordinator's history. */
  getRound(requestId: string, signal?: AbortSignal): Promise<Round>;
  /** One page of the history, newest first; pass the page's `next` as `before` for the following one. */
  listRounds(filter?: RoundFilter, signal?: AbortSignal): Promise<RoundList>;
  /** Every registered worker, in registration order (all pages of GET /workers). */
  listWorkers(signal?: AbortSignal): Promise<WorkerInfo[]>;
  listFeeds(signal?: AbortSignal): Promise<Feed[]>;
  getFeed(feedId: string, signal?: AbortSignal): Promise<Feed>;
  /** The feed's latest published value. */
  readFeed(feedId: string, signal?: AbortSignal): Promise<FeedValue>;
  /**
   * Follows the feed's event stream, calling `onUpdate` for each publication in order, until the
   * feed is deleted or `signal` aborts. A stream that ends or drops is resumed with
   * Last-Event-ID, so no publication is missed or repeated: at once after a clean end (the
   * server ends streams when the feed is deleted, and when it shuts down; a deleted feed then
   * answers 404), after 2 s after an error.
   */
  watchFeed(feedId: string, onUpdate: (value: FeedValue) => void, options?: WatchOptions): Promise<void>;
  /** The keys to verify results with (GET /keys): the coordinators' and the workers'. */
  getKeys(signal?: AbortSignal): Promise<KeySet>;
}

export interface WatchOptions {
  signal?: AbortSignal;
  /** Start after this round id: the publications since then come first. */
  lastEventId?: string;
  /** Told of each reconnection, with the error that ended the previous connection. */
  onReconnect?: (error: unknown) => void;
}

/** What a dropped stream waits before reconnecting: the `retry` the server sends (2 s), fixed here. */
const RECONNECT_MS = 2_000;

export function createOracleClient(options: OracleClientOptions): OracleClient {
  const api = createCoordinatorApi({ baseUrl: options.baseUrl, token: options.apiKey, fetch: options.fetch });
  // Reads carry the read token instead of the API key, when there is one.
  const headers = bearerHeader(options.readToken);
  return {
    async submitOracleRequest(query, { signal, ...fields } = {}) {
      const body: OracleRequestSubmission = { ...fields, query };
      return dataOf(await api.POST('/request', { body, signal }));
    },
    async getRound(requestId, signal) {
      return dataOf(await api.GET('/rounds/{request_id}', { params: { path: { request_id: requestId } }, headers, signal }));
    },
    async listRounds(filter = {}, signal) {
      return dataOf(await api.GET('/rounds', { params: { query: filter }, headers, signal }));
    },
    async listWorkers(signal) {
      const workers: WorkerInfo[] = [];
      let cursor: string | undefined;
      do {
        const query = { limit: 1000, ...(cursor === undefined ? {} : { cursor }) };
        const page = dataOf(await api.GET('/workers', { params: { query }, headers, signal }));
        workers.push(...page.workers);
        cursor = page.next;
      } while (cursor !== undefined);
      return workers;
    },
    async listFeeds(signal) {
      return dataOf(await api.GET('/feeds', { headers, signal })).feeds;
    },
    async getFeed(feedId, signal) {
      return dataOf(await api.GET('/feeds/{feed_id}', { params: { path: { feed_id: feedId } }, headers, signal }));
    },
    async readFeed(feedId, signal) {
      return dataOf(await api.GET('/feeds/{feed_id}/latest', { params: { path: { feed_id: feedId } }, headers, signal }));
    },
    async watchFeed(feedId, onUpdate, { signal, lastEventId, onReconnect } = {}) {
      let last = lastEventId;
      let followed = false;
      for (;;) {
        try {
          const stream: ReadableStream<Uint8Array> | null = dataOf(
            await api.GET('/feeds/{feed_id}/events', {
              params: { path: { feed_id: feedId }, ...(last === undefined ? {} : { header: { 'Last-Event-ID': last } }) },
              parseAs: 'stream',
              headers,
              signal,
            }),
          );
          if (stream === null) throw new Error('the event stream answered without a body');
          followed = true;
          await readEventStream(chunksUntilAborted(stream, signal), {
            onEvent(event) {
              if (event.event !== 'update') return;
              last = event.id ?? last;
              onUpdate(JSON.parse(event.data) as FeedValue);
            },
          });
          signal?.throwIfAborted();
        } catch (error) {
          if (signal?.aborted === true) throw error;
          if (error instanceof ProblemResponseError) {
            // A feed that was being followed and is now unknown was deleted.
            if (followed && error.problem.code === 'FEED_NOT_FOUND') return;
            // Refusals stand (an unknown feed, a wrong token); a coordinator's own trouble passes.
            if (error.status < 500) throw error;
          }
          onReconnect?.(error);
          await sleep(RECONNECT_MS, undefined, signal === undefined ? {} : { signal });
        }
      }
    },
    async getKeys(signal) {
      return dataOf(await api.GET('/keys', { signal }));
    },
  };
}

/**
 * The chunks of an event stream until it ends or `signal` aborts. fetch's own abort does not
 * always reach an open body on Node 20: its Request follows the caller's signal through a
 * WeakRef (nodejs/node#55428), and openapi-fetch keeps no Request once the response is in, so
 * after a garbage collection the stream would be read on forever. Cancelling our own reader
 * ends the read (and the connection) whatever fetch does.
 */
async function* chunksUntilAborted(stream: ReadableStream<Uint8Array>, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  const cancel = () => void reader.cancel(signal?.reason).catch(() => undefined);
  if (signal?.aborted === true) cancel();
  else signal?.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
    // A read that stopped early (a handler threw) lets the connection go too; after the end, a no-op.
    cancel();
  }
}

/** The body of a success, or the problem of a failure thrown as a ProblemResponseError. */
function dataOf<T>(reply: { data?: T; error?: unknown; response: Response }): T {
  if (reply.data !== undefined) return reply.data;
  throw new ProblemResponseError(problemOf(reply.error, reply.response));
}
