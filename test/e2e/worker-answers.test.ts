import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import type { OracleResult } from '../../src/contract/models.ts';
import { freePort } from '../../src/process/free-port.ts';
import { coordinatorApi, expectData } from '../helpers/clients.ts';
import { registerAnsweringWorkers, replyJson, startFakeWorker, type FakeTaskHandler } from '../helpers/fake-workers.ts';
import { Cleanup, register, startTestCoordinator } from '../helpers/network.ts';

/** Each fake worker breaks the contract in one way; the honest one keeps the request answerable. */
const hostile: Record<string, { handle: FakeTaskHandler; err: string | RegExp }> = {
  'wrong-request': {
    handle: (_task, res) =>
      replyJson(res, 200, { worker_id: 'wrong-request', request_id: 'someone-else', value: 1, response_time: '1ms', reliable: true }),
    err: /^answer is for request someone-else, not /,
  },
  'wrong-worker': {
    handle: (task, res) =>
      replyJson(res, 200, { worker_id: 'impostor', request_id: task.id, value: 1, response_time: '1ms', reliable: true }),
    err: /^answer names worker impostor, not wrong-worker$/,
  },
  'string-value': {
    handle: (task, res) =>
      replyJson(res, 200, { worker_id: 'string-value', request_id: task.id, value: '42000', response_time: '1ms', reliable: true }),
    err: 'answer violates the worker contract: /value must be number',
  },
  'missing-time': {
    handle: (task, res) => replyJson(res, 200, { worker_id: 'missing-time', request_id: task.id, value: 1, reliable: true }),
    err: /^answer violates the worker contract: \/ must have required property 'response_time'/,
  },
  infinite: {
    handle: (task, res) =>
      replyJson(res, 200, `{"worker_id":"infinite","request_id":"${task.id}","value":1e999,"response_time":"1ms","reliable":true}`),
    err: 'value is not a finite number',
  },
  'invalid-json': {
    handle: (_task, res) => replyJson(res, 200, '{"worker_id": "invalid-json", '),
    err: 'answer is not valid JSON',
  },
  html: {
    handle: (_task, res) => replyJson(res, 200, '<html><body>hello</body></html>', 'text/html'),
    err: 'answer is not JSON (content-type text/html)',
  },
  crashing: {
    handle: (_task, res) =>
      replyJson(res, 500, { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'boom' }, 'application/problem+json'),
    err: 'HTTP 500: boom',
  },
  redirecting: {
    handle: (_task, res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end(),
    err: 'HTTP 302',
  },
};

const cleanup = new Cleanup();
let coordinator: CoordinatorServer;
let result: OracleResult;

beforeAll(async () => {
  coordinator = cleanup.add(await startTestCoordinator());
  await registerAnsweringWorkers(coordinator.url, cleanup, { honest: 42 });
  for (const [id, { handle }] of Object.entries(hostile)) {
    const fake = cleanup.add(await startFakeWorker(handle));
    await register(coordinator.url, id, fake.url);
  }
  await register(coordinator.url, 'gone', `http://127.0.0.1:${await freePort()}`);
  result = expectData(await coordinatorApi(coordinator).POST('/request', { body: { query: 'BTC/USD', timeout_ms: 1000 } }));
});
afterAll(() => cleanup.run());

describe('answers outside the worker contract', () => {
  it.each(Object.entries(hostile))('excludes %s with the reason in err', (id, { err }) => {
    const response = result.worker_responses.find((r) => r.worker_id === id);
    expect(response).toMatchObject({ reliable: false, value: 0 });
    if (typeof err === 'string') expect(response?.err).toBe(err);
    else expect(response?.err).toMatch(err);
  });

  it('excludes an unreachable worker', () => {
    expect(result.worker_responses.find((r) => r.worker_id === 'gone')).toMatchObject({
      err: 'unreachable: ECONNREFUSED',
      reliable: false,
    });
  });

  it('aggregates only the honest answer and flags the result partial', () => {
    expect(result.final_value).toBe(42);
    expect(result.workers_answered).toBe(1);
    expect(result.partial).toBe(true);
    expect(result.worker_responses).toHaveLength(Object.keys(hostile).length + 2);
  });
});
