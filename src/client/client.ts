/**
 * The typed coordinator client for library use. Failed calls throw a ProblemResponseError that
 * carries the coordinator's problem+json body.
 */
import createClient from 'openapi-fetch';
import type { paths } from '../../generated/coordinator.ts';
import type { OracleRequestSubmission, OracleResult, Problem, Strategy, WorkerInfo } from '../shared/models.ts';
import { bearerHeader } from '../shared/bearer.ts';
import { ProblemResponseError } from '../shared/problems.ts';

export interface SubmitOptions {
  strategy?: Strategy;
  timeoutMs?: number;
  /** Quorum: usable answers needed for a complete (not partial) result. */
  minResponses?: number;
  /** k of MAD outlier rejection; 0 turns it off. */
  madK?: number;
  /** Share trimmed from each end by `trimmed_mean`. */
  trim?: number;
  /** The moment to price, ISO 8601. */
  asOf?: string;
  /** A request id of the caller's choosing; the coordinator assigns a UUID otherwise. */
  requestId?: string;
  /** Committee size: ask only this many workers, sampled by reliability. */
  askCount?: number;
  signal?: AbortSignal;
}

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
  const api = createClient<paths>({ baseUrl: options.baseUrl, headers: bearerHeader(options.apiKey), ...(options.fetch ? { fetch: options.fetch } : {}) });
  return {
    async submitOracleRequest(query, { strategy, timeoutMs, minResponses, madK, trim, asOf, requestId, askCount, signal } = {}) {
      const body: OracleRequestSubmission = { query };
      if (strategy !== undefined) body.strategy = strategy;
      if (timeoutMs !== undefined) body.timeout_ms = timeoutMs;
      if (minResponses !== undefined) body.min_responses = minResponses;
      if (madK !== undefined) body.mad_k = madK;
      if (trim !== undefined) body.trim = trim;
      if (asOf !== undefined) body.as_of = asOf;
      if (requestId !== undefined) body.request_id = requestId;
      if (askCount !== undefined) body.ask_count = askCount;
      const { data, error, response } = await api.POST('/request', { body, signal });
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
