/**
 * The typed coordinator client for library use. Failed calls throw a ProblemResponseError that
 * carries the coordinator's problem+json body.
 */
import type { paths } from '../../generated/coordinator.ts';
import type { OracleRequestSubmission, OracleResult, Round, RoundList, WorkerInfo } from '../contract/models.ts';
import { problemOf, ProblemResponseError } from '../http/problems.ts';
import { createCoordinatorApi } from './api.ts';

/**
 * Every optional field of the spec's `OracleRequestSubmission`, under its wire name
 * (`strategy`, `timeout_ms`, `min_responses`, …), plus an AbortSignal for the call itself.
 */
export type SubmitOptions = Omit<OracleRequestSubmission, 'query'> & { signal?: AbortSignal };

export interface OracleClientOptions {
  baseUrl: string;
  /** Sent as a bearer token, for a coordinator that requires an API key. */
  apiKey?: string | undefined;
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
}

export function createOracleClient(options: OracleClientOptions): OracleClient {
  const api = createCoordinatorApi({ baseUrl: options.baseUrl, token: options.apiKey, fetch: options.fetch });
  return {
    async submitOracleRequest(query, { signal, ...fields } = {}) {
      const body: OracleRequestSubmission = { ...fields, query };
      const { data, error, response } = await api.POST('/request', { body, signal });
      if (data) return data;
      throw new ProblemResponseError(problemOf(error, response));
    },
    async getRound(requestId, signal) {
      const { data, error, response } = await api.GET('/rounds/{request_id}', { params: { path: { request_id: requestId } }, signal });
      if (data) return data;
      throw new ProblemResponseError(problemOf(error, response));
    },
    async listRounds(filter = {}, signal) {
      const { data, error, response } = await api.GET('/rounds', { params: { query: filter }, signal });
      if (data) return data;
      throw new ProblemResponseError(problemOf(error, response));
    },
    async listWorkers(signal) {
      const workers: WorkerInfo[] = [];
      let cursor: string | undefined;
      do {
        const query = { limit: 1000, ...(cursor === undefined ? {} : { cursor }) };
        const { data, error, response } = await api.GET('/workers', { params: { query }, signal });
        if (!data) throw new ProblemResponseError(problemOf(error, response));
        workers.push(...data.workers);
        cursor = data.next;
      } while (cursor !== undefined);
      return workers;
    },
  };
}
