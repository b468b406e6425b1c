/**
 * The two services' HTTP APIs as typed openapi-fetch clients, built from generated/: request
 * bodies and parameters are checked against the specs at compile time, `data` is typed as the
 * 2xx body and `error` as the Problem. Everything that calls a service goes through these (the
 * client library, a worker's membership, the lab, the benchmark's setup calls, the tests); only
 * deliberately bad input is sent by hand.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths as CoordinatorPaths } from '../../generated/coordinator.ts';
import type { paths as WorkerPaths } from '../../generated/worker.ts';
import { bearerHeader } from '../http/bearer.ts';

export type CoordinatorApi = Client<CoordinatorPaths>;
export type WorkerApi = Client<WorkerPaths>;

export interface ApiOptions {
  /** e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` on every call. */
  token?: string | undefined;
  /** A fetch of its own, e.g. one that adds headers or uses another dispatcher. */
  fetch?: typeof globalThis.fetch;
}

function clientOptions(options: ApiOptions) {
  return {
    baseUrl: options.baseUrl,
    headers: bearerHeader(options.token),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
}

export function createCoordinatorApi(options: ApiOptions): CoordinatorApi {
  return createClient<CoordinatorPaths>(clientOptions(options));
}

export function createWorkerApi(options: ApiOptions): WorkerApi {
  return createClient<WorkerPaths>(clientOptions(options));
}
