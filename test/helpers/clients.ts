/**
 * The services' typed clients for tests (src/client/api.ts), and two assertions that unwrap
 * their answers: `expectData` for the 2xx body, `expectError` for the Problem of a failure.
 * Tests that send deliberately bad input use raw-http.ts or fetch instead.
 */
import { expect } from 'vitest';
import { createCoordinatorApi, createWorkerApi, type CoordinatorApi, type WorkerApi } from '../../src/client/api.ts';
import type { OracleRequestSubmission, Problem, WorkerInfo } from '../../src/contract/models.ts';

export type { CoordinatorApi, WorkerApi };

/** A running service, or its base URL. */
export type Target = string | { readonly url: string };

const baseUrlOf = (target: Target) => (typeof target === 'string' ? target : target.url);

export function coordinatorApi(target: Target, token?: string): CoordinatorApi {
  return createCoordinatorApi({ baseUrl: baseUrlOf(target), token });
}

export function workerApi(target: Target, token?: string): WorkerApi {
  return createWorkerApi({ baseUrl: baseUrlOf(target), token });
}

/** POST /request, answered however the coordinator answers. */
export function submitRequest(coordinator: Target, body: OracleRequestSubmission, signal?: AbortSignal) {
  return coordinatorApi(coordinator).POST('/request', { body, signal });
}

/** GET /workers, which must answer 200. */
export async function registeredWorkers(coordinator: Target): Promise<WorkerInfo[]> {
  return expectData(await coordinatorApi(coordinator).GET('/workers')).workers;
}

/** What openapi-fetch resolves with: the parsed body of a success, or of a failure. */
export interface Reply<T, E> {
  data?: T;
  error?: E;
  response: Response;
}

/** The body of an answer with `status` (200 by default); fails the test, showing the body, otherwise. */
export function expectData<T, E>(reply: Reply<T, E>, status = 200): T {
  expect(reply.response.status, JSON.stringify(reply.error ?? reply.data)).toBe(status);
  if (reply.data === undefined) throw new Error(`HTTP ${status} without a body`);
  return reply.data;
}

/** The problem+json body of a failure with `status`; fails the test otherwise. */
export function expectError(reply: Reply<unknown, Problem>, status: number): Problem {
  expect(reply.response.status, JSON.stringify(reply.data ?? reply.error)).toBe(status);
  expect(reply.response.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
  if (reply.error === undefined) throw new Error(`HTTP ${status} without a problem body`);
  return reply.error;
}
