/**
 * The typed coordinator client for library use. Failed calls throw a ProblemResponseError that
 * carries the coordinator's problem+json body.
 */
import type { OracleRequestSubmission, OracleResult, WorkerInfo } from '../contract/models.ts';
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

export interface OracleClient {
  submitOracleRequest(query: string, options?: SubmitOptions): Promise<OracleResult>;
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
    async listWorkers(signal) {
      const { data, error, response } = await api.GET('/workers', { signal });
      if (data) return data.workers;
      throw new ProblemResponseError(problemOf(error, response));
    },
  };
}
