/**
 * The proxies of services-behind-prism-proxies.test.ts are only worth something if they catch a
 * break. Here servers that break the contract on purpose (bare node:http servers posing as a
 * worker or as the coordinator) sit behind the same `prism proxy --errors`, and each break must
 * surface: as Prism's own 500 problem with the violation in `sl-violations`, in the proxy's log,
 * and, for a worker, in the real coordinator's breakdown.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOracleClient } from '../../src/client/client.ts';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import type { OracleRequest } from '../../src/contract/models.ts';
import { ProblemResponseError } from '../../src/http/problems.ts';
import { closeServer, listen } from '../../src/http/server-lifecycle.ts';
import { coordinatorApi, expectError, workerApi } from '../helpers/clients.ts';
import { exchangeOf, isPrismProblem } from '../helpers/http-exchange.ts';
import { replyJson, startFakeWorker } from '../helpers/fake-workers.ts';
import { Cleanup, register, startTestCoordinator } from '../helpers/network.ts';
import { PRISM_PROBLEM_TYPE_PREFIX, PRISM_TEST_TIMEOUT_MS, startPrismProxy, type PrismServer } from '../helpers/prism.ts';
import { loadResolvedSpec } from '../helpers/spec.ts';
import { COORDINATOR_SPEC_PATH, WORKER_SPEC_PATH } from '../../src/contract/spec-paths.ts';

/** Worker answers that each break worker.yaml's WorkerResult in one way. */
const BROKEN_WORKERS = {
  'omits-request-id': (task: OracleRequest) => ({
    worker_id: 'omits-request-id',
    value: 42000.5,
    response_time: '3ms',
    reliable: true,
    query: task.query,
  }),
  'string-value': (task: OracleRequest) => ({
    worker_id: 'string-value',
    request_id: task.id,
    value: '42000.5',
    response_time: '3ms',
    reliable: true,
  }),
};

const cleanup = new Cleanup();
let coordinator: CoordinatorServer;
const workerProxies = new Map<string, PrismServer>();
let coordinatorProxy: PrismServer;
let exampleTask: OracleRequest;

/** A "coordinator" whose POST /request answer has final_value as a string. */
async function startBrokenCoordinator() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      replyJson(res, 200, {
        request_id: '0f6b7a52-3c1e-4f7e-9a55-1b2f5c3d9e10',
        final_value: '42135.5',
        worker_responses: [],
        reliability_note: 'All workers responded successfully',
      }),
    );
  });
  const url = await listen(server, 0, '127.0.0.1');
  return { url, close: () => closeServer(server) };
}

beforeAll(async () => {
  const [spec, started, brokenCoordinator, ...fakes] = await Promise.all([
    loadResolvedSpec(WORKER_SPEC_PATH),
    startTestCoordinator({ ejectAfterFailures: 1000 }),
    startBrokenCoordinator(),
    ...Object.values(BROKEN_WORKERS).map((answer) => startFakeWorker((task, res) => replyJson(res, 200, answer(task)))),
  ]);
  exampleTask = spec.requestExamples('/task', 'POST')[0]?.value as OracleRequest;
  coordinator = cleanup.add(started);
  cleanup.add(brokenCoordinator);
  const proxies = await Promise.all([
    startPrismProxy(COORDINATOR_SPEC_PATH, brokenCoordinator.url),
    ...fakes.map((fake) => startPrismProxy(WORKER_SPEC_PATH, cleanup.add(fake).url)),
  ]);
  coordinatorProxy = cleanup.add(proxies[0]);
  for (const [i, id] of Object.keys(BROKEN_WORKERS).entries()) {
    const proxy = cleanup.add(proxies[i + 1] as PrismServer);
    workerProxies.set(id, proxy);
    await register(coordinator.url, id, proxy.url);
  }
}, 60_000);
afterAll(() => cleanup.run());

function proxyOf(id: string): PrismServer {
  const proxy = workerProxies.get(id);
  if (proxy === undefined) throw new Error(`no proxy for ${id}`);
  return proxy;
}

describe('a worker that breaks worker.yaml, behind prism proxy --errors', { timeout: PRISM_TEST_TIMEOUT_MS }, () => {
  it.each([
    { breaks: 'omits request_id', id: 'omits-request-id', location: 'response.body', mentions: "'request_id'" },
    { breaks: 'sends value as a string', id: 'string-value', location: 'response.body.value', mentions: 'number' },
  ])('is caught when it $breaks', async ({ id, location, mentions }) => {
    const reply = exchangeOf(await workerApi(proxyOf(id)).POST('/task', { body: exampleTask }));
    expect(reply.status).toBe(500);
    expect(isPrismProblem(reply)).toBe(true);
    const violation = reply.violations.find((v) => v.location.join('.') === location);
    expect(violation?.severity, JSON.stringify(reply.violations)).toBe('Error');
    expect(violation?.message).toContain(mentions);
    // The proxy's log says so too (after the answer: Prism logs once it has replied).
    await proxyOf(id).waitForOutput(/Request terminated with error: https:\/\/stoplight\.io\/prism\/errors#VIOLATIONS/);
  });

  it("shows in the coordinator's breakdown as the proxy's 500", async () => {
    const reply = await coordinatorApi(coordinator).POST('/request', { body: { query: exampleTask.query, timeout_ms: 3000 } });
    const problem = expectError(reply, 503);
    expect(problem.code).toBe('NO_USABLE_ANSWER');
    expect(problem.worker_responses?.map((response) => response.worker_id)).toEqual(Object.keys(BROKEN_WORKERS));
    for (const response of problem.worker_responses ?? []) expect(response.err).toMatch(/^HTTP 500: Your request\/response is not valid/);
  });
});

describe('a coordinator that breaks coordinator.yaml, behind prism proxy --errors', { timeout: PRISM_TEST_TIMEOUT_MS }, () => {
  it('is caught when final_value is a string', async () => {
    const reply = exchangeOf(await coordinatorApi(coordinatorProxy).POST('/request', { body: { query: 'BTC/USD' } }));
    expect(reply.status).toBe(500);
    expect(isPrismProblem(reply)).toBe(true);
    expect(reply.violations).toContainEqual(expect.objectContaining({ location: ['response', 'body', 'final_value'], severity: 'Error' }));
  });

  it('reaches the client library as a failure, not as a result', async () => {
    const client = createOracleClient({ baseUrl: coordinatorProxy.url });
    const error = await client.submitOracleRequest('BTC/USD').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemResponseError);
    expect((error as ProblemResponseError).problem).toMatchObject({ status: 500, type: `${PRISM_PROBLEM_TYPE_PREFIX}VIOLATIONS` });
  });
});
