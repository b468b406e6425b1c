import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import type { WorkerServer } from '../../src/worker/server.ts';
import { registeredWorkers, submitRequest } from '../helpers/clients.ts';
import { register, startTestCoordinator, startTestWorker } from '../helpers/network.ts';

let coordinator: CoordinatorServer;
let worker: WorkerServer;
let registryBefore: unknown;

beforeAll(async () => {
  coordinator = await startTestCoordinator({ bodyLimit: 4096 });
  worker = await startTestWorker('worker-1');
  await register(coordinator.url, 'worker-1', worker.url);
  registryBefore = await registry();
});
afterAll(async () => {
  await coordinator.close();
  await worker.close();
});

async function registry(): Promise<unknown> {
  // last_seen moves on a legitimate re-registration only; none happens in these tests.
  return registeredWorkers(coordinator);
}

interface Case {
  name: string;
  method?: string;
  path: string;
  body?: string;
  contentType?: string;
  status: number;
  code: string;
  errorPath?: string;
}

const oversized = JSON.stringify({ query: 'BTC/USD', padding: 'x'.repeat(5000) });

const cases: Case[] = [
  { name: 'malformed JSON on /request', path: '/request', body: '{"query":', status: 400, code: 'MALFORMED_JSON' },
  { name: 'malformed JSON on /register', path: '/register', body: '{id: worker-9}', status: 400, code: 'MALFORMED_JSON' },
  { name: 'a missing field', path: '/request', body: '{}', status: 400, code: 'VALIDATION_FAILED', errorPath: '/body/query' },
  {
    name: 'an extra field',
    path: '/request',
    body: '{"query":"BTC/USD","extra":1}',
    status: 400,
    code: 'VALIDATION_FAILED',
    errorPath: '/body/extra',
  },
  { name: 'a wrong type', path: '/request', body: '{"query":42}', status: 400, code: 'VALIDATION_FAILED', errorPath: '/body/query' },
  {
    name: 'a query that is not BASE/QUOTE',
    path: '/request',
    body: '{"query":"BTCUSD"}',
    status: 400,
    code: 'VALIDATION_FAILED',
    errorPath: '/body/query',
  },
  {
    name: 'an over-long query',
    path: '/request',
    body: JSON.stringify({ query: `${'A'.repeat(40)}/USD` }),
    status: 400,
    code: 'VALIDATION_FAILED',
    errorPath: '/body/query',
  },
  {
    name: 'an unknown strategy',
    path: '/request',
    body: '{"query":"BTC/USD","strategy":"mode"}',
    status: 400,
    code: 'VALIDATION_FAILED',
    errorPath: '/body/strategy',
  },
  {
    name: 'a timeout out of range',
    path: '/request',
    body: '{"query":"BTC/USD","timeout_ms":0}',
    status: 400,
    code: 'VALIDATION_FAILED',
    errorPath: '/body/timeout_ms',
  },
  { name: 'a JSON array body', path: '/request', body: '[]', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an oversized body', path: '/request', body: oversized, status: 413, code: 'PAYLOAD_TOO_LARGE' },
  {
    name: 'a non-JSON content type',
    path: '/request',
    body: 'query=BTC/USD',
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a multipart body',
    path: '/request',
    body: '--b\r\ncontent-disposition: form-data; name="query"\r\n\r\nBTC/USD\r\n--b--\r\n',
    contentType: 'multipart/form-data; boundary=b',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'an ftp endpoint',
    path: '/register',
    body: '{"id":"worker-9","endpoint":"ftp://127.0.0.1/"}',
    status: 400,
    code: 'VALIDATION_FAILED',
    errorPath: '/body/endpoint',
  },
  {
    name: 'a javascript: endpoint',
    path: '/register',
    body: '{"id":"worker-9","endpoint":"javascript:alert(1)"}',
    status: 400,
    code: 'VALIDATION_FAILED',
    errorPath: '/body/endpoint',
  },
  {
    name: 'a relative endpoint',
    path: '/register',
    body: '{"id":"worker-9","endpoint":"/task"}',
    status: 400,
    code: 'VALIDATION_FAILED',
    errorPath: '/body/endpoint',
  },
  {
    name: 'an id with spaces',
    path: '/register',
    body: '{"id":"worker 9","endpoint":"http://127.0.0.1:1"}',
    status: 400,
    code: 'VALIDATION_FAILED',
    errorPath: '/body/id',
  },
  {
    name: 'an over-long id',
    path: '/register',
    body: JSON.stringify({ id: 'w'.repeat(65), endpoint: 'http://127.0.0.1:1' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    errorPath: '/body/id',
  },
  {
    name: 're-registering worker-1 at a bad endpoint',
    path: '/register',
    body: '{"id":"worker-1","endpoint":"file:///etc/passwd"}',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'an unknown path', method: 'GET', path: '/nowhere', status: 404, code: 'NOT_FOUND' },
  { name: 'an unknown path with a body', path: '/tasks', body: '{}', status: 404, code: 'NOT_FOUND' },
  { name: 'a wrong method', method: 'GET', path: '/request', status: 405, code: 'METHOD_NOT_ALLOWED' },
  { name: 'a wrong method on /register', method: 'DELETE', path: '/register', status: 405, code: 'METHOD_NOT_ALLOWED' },
];

describe('bad input to the coordinator', () => {
  it.each(cases)('answers $name with $status problem+json and leaves the registry alone', async (testCase) => {
    const response = await fetch(`${coordinator.url}${testCase.path}`, {
      method: testCase.method ?? 'POST',
      headers: testCase.body === undefined ? {} : { 'content-type': testCase.contentType ?? 'application/json' },
      body: testCase.body,
    });
    expect(response.status).toBe(testCase.status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: testCase.status, code: testCase.code, instance: testCase.path });
    expect(typeof problem.title).toBe('string');
    expect(typeof problem.type).toBe('string');
    expect(JSON.stringify(problem)).not.toMatch(/node_modules|\/src\/|at .+:\d+:\d+/);
    if (testCase.errorPath) {
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: testCase.errorPath })]));
    }
    if (testCase.status === 405) expect(response.headers.get('allow')).toBeTruthy();
    expect(await registry()).toEqual(registryBefore);
  });

  it('still serves requests after all of that', async () => {
    expect((await submitRequest(coordinator, { query: 'BTC/USD' })).response.status).toBe(200);
  });
});

describe('bad input to a worker', () => {
  it.each([
    { name: 'a task without an id', body: '{"query":"BTC/USD"}', status: 400, code: 'VALIDATION_FAILED' },
    { name: 'malformed JSON', body: '{', status: 400, code: 'MALFORMED_JSON' },
    { name: 'an extra field', body: '{"id":"r1","query":"BTC/USD","x":true}', status: 400, code: 'VALIDATION_FAILED' },
  ])('answers $name with $status problem+json', async ({ body, status, code }) => {
    const response = await fetch(`${worker.url}/task`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status, code });
  });
});
