/**
 * The typed coordinator client for library use. Failed calls throw a ProblemResponseError that
 * carries the coordinator's problem+json body.
 */
import createClient from 'openapi-fetch';
import type { paths } from '../../generated/coordinator.ts';
import type { OracleResult, Problem, Strategy, WorkerInfo } from '../shared/models.ts';
import { ProblemResponseError } from '../shared/problems.ts';

export interface SubmitOptions {
  strategy?: Strategy;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface OracleClientOptions {
  baseUrl: string;
  fetch?: typeof globalThis.fetch;
}

export interface OracleClient {
  submitOracleRequest(query: string, options?: SubmitOptions): Promise<OracleResult>;
  listWorkers(signal?: AbortSignal): Promise<WorkerInfo[]>;
}

export function createOracleClient(options: OracleClientOptions): OracleClient {
  const api = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  return {
    async submitOracleRequest(query, { strategy, timeoutMs, signal } = {}) {
      const { data, error, response } = await api.POST('/request', {
        body: { query, ...(strategy ? { strategy } : {}), ...(timeoutMs === undefined ? {} : { timeout_ms: timeoutMs }) },
        signal,
      });
      if (data) return data;
      throw new ProblemResponseError(asProblem(error, response));
    },
    async listWorkers(signal) {
      const { data, error, response } = await api.GET('/workers', { signal });
      if (data) return data.workers;
      throw new ProblemResponseError(asProblem(error, response));
    },
  };
}

/** A problem body when the server sent one; otherwise one made from the status line. */
function asProblem(error: unknown, response: Response): Problem {
  if (typeof error === 'object' && error !== null && 'title' in error && 'status' in error) return error as Problem;
  return { type: 'about:blank', title: `HTTP ${response.status} ${response.statusText}`.trim(), status: response.status };
}
