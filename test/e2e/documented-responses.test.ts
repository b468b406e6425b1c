/**
 * Every status the services send, for every operation of both specs, is one the operation
 * documents, with a body that matches the documented schema for its media type and the headers
 * it documents (RateLimit, RateLimit-Policy, Retry-After, WWW-Authenticate). The validator's own
 * response validation never sees some of these answers (a 413 or 415 is raised by the body
 * parser before the validator runs), so each is checked here with ajv against the spec. What
 * Node's HTTP parser refuses (400, 431) and a request timeout (408) belong to no operation;
 * those answers are checked against components.yaml's Problem.
 */
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COORDINATOR_SPEC_PATH, WORKER_SPEC_PATH } from '../../src/contract/spec-paths.ts';
import { startWorkerServer } from '../../src/worker/server.ts';
import { PARSER_REFUSALS } from '../helpers/malformed-http.ts';
import { replyJson, startFakeWorker } from '../helpers/fake-workers.ts';
import { Cleanup, HONEST, silentLogger, startTestCoordinator, startTestWorker } from '../helpers/network.ts';
import { problemViolations } from '../helpers/problem-schema.ts';
import { exchangeOverTcp, parseHttpResponse } from '../helpers/raw-http.ts';
import { loadResolvedSpec, type SpecView } from '../helpers/spec.ts';
import { createSchemaValidator } from '../../src/contract/schemas.ts';

type Service = 'coordinator' | 'worker';

interface Answer {
  service: Service;
  /** e.g. "POST /workers/{id}/heartbeat" */
  operation: string;
  /** What was sent, for messages. */
  sent: string;
  status: number;
  headers: Headers;
  body: string;
}

/** Headers of the API itself (not of HTTP at large): each one sent must be documented. */
const API_HEADERS = ['ratelimit', 'ratelimit-policy', 'retry-after', 'www-authenticate'];
/** express-rate-limit sends these on every answer of a limited operation; the spec declares them where clients read them. */
const RATE_LIMIT_HEADERS = ['ratelimit', 'ratelimit-policy'];

const cleanup = new Cleanup();
const answers: Answer[] = [];
const specs = new Map<Service, SpecView>();

beforeAll(async () => {
  specs.set('coordinator', await loadResolvedSpec(COORDINATOR_SPEC_PATH));
  specs.set('worker', await loadResolvedSpec(WORKER_SPEC_PATH));
  await Promise.all([exerciseCoordinator(), exerciseWorkers()]);
}, 30_000);
afterAll(() => cleanup.run());

async function call(
  service: Service,
  baseUrl: string,
  operation: string,
  path: string,
  init: { body?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const method = operation.split(' ')[0] ?? 'GET';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(init.body === undefined ? {} : { 'content-type': init.contentType ?? 'application/json' }), ...init.headers },
    body: init.body,
  });
  const answer = {
    service,
    operation,
    sent: `${method} ${path}`,
    status: response.status,
    headers: response.headers,
    body: await response.text(),
  };
  answers.push(answer);
  return answer;
}

const big = (size: number) => JSON.stringify({ id: 'w', endpoint: 'http://127.0.0.1:1', pad: 'x'.repeat(size) });

async function exerciseCoordinator(): Promise<void> {
  const slow = cleanup.add(
    await startFakeWorker((task, res) => {
      setTimeout(
        () => replyJson(res, 200, { worker_id: 'fake', request_id: task.id, value: 1, response_time: '1ms', reliable: true }),
        150,
      );
    }),
  );
  const plain = cleanup.add(await startTestCoordinator({ bodyLimit: 1024, maxWorkers: 2 }));
  const c = (operation: string, path: string, init?: Parameters<typeof call>[4]) => call('coordinator', plain.url, operation, path, init);
  await c('POST /register', '/register', { body: JSON.stringify({ id: 'fake', endpoint: slow.url }) });
  await c('POST /register', '/register', { body: '{"id":"b","endpoint":"ftp://x"}' });
  await c('POST /register', '/register', { body: big(2048) });
  await c('POST /register', '/register', { body: 'id=b', contentType: 'text/plain' });
  await c('POST /register', '/register', { body: '{"id":"b","endpoint":"http://127.0.0.1:1"}' });
  await c('POST /register', '/register', { body: '{"id":"c","endpoint":"http://127.0.0.1:1"}' });
  await c('GET /workers', '/workers');
  await c('GET /workers/{id}', '/workers/fake');
  await c('GET /workers/{id}', '/workers/nobody');
  await c('GET /workers/{id}', '/workers/-bad');
  await c('POST /workers/{id}/heartbeat', '/workers/fake/heartbeat');
  await c('POST /workers/{id}/heartbeat', '/workers/nobody/heartbeat');
  await c('POST /workers/{id}/heartbeat', '/workers/-bad/heartbeat');
  await c('POST /workers/{id}/heartbeat', '/workers/fake/heartbeat', { body: big(2048) });
  await c('DELETE /workers/{id}', '/workers/b');
  await c('DELETE /workers/{id}', '/workers/nobody');
  await c('DELETE /workers/{id}', '/workers/-bad');
  // The same chosen id twice at once: one answers, the other is in use.
  const submission = JSON.stringify({ query: 'BTC/USD', request_id: 'req-1' });
  await Promise.all([c('POST /request', '/request', { body: submission }), c('POST /request', '/request', { body: submission })]);
  await c('POST /request', '/request', { body: '{"query":"btc"}' });
  await c('POST /request', '/request', { body: JSON.stringify({ query: 'BTC/USD', pad: 'x'.repeat(2048) }) });
  await c('POST /request', '/request', { body: 'query=BTC/USD', contentType: 'application/x-www-form-urlencoded' });
  await c('GET /healthz', '/healthz');
  await c('GET /readyz', '/readyz');
  await c('GET /metrics', '/metrics');
  await c('GET /keys', '/keys');
  await c('GET /rounds', '/rounds?limit=5');
  await c('GET /rounds', '/rounds?limit=0');
  await c('GET /rounds/{request_id}', '/rounds/req-1');
  await c('GET /rounds/{request_id}', '/rounds/never-was');
  await c('GET /rounds/{request_id}', '/rounds/-bad');
  const definition = JSON.stringify({ query: 'BTC/USD', deviation_bps: 50, heartbeat_ms: 60_000, poll_interval_ms: 50 });
  await c('PUT /feeds/{feed_id}', '/feeds/btc', { body: definition });
  await c('PUT /feeds/{feed_id}', '/feeds/btc', { body: definition });
  await c('PUT /feeds/{feed_id}', '/feeds/btc', { body: '{"query":"BTC/USD"}' });
  await c('PUT /feeds/{feed_id}', '/feeds/btc', { body: JSON.stringify({ query: 'BTC/USD', pad: 'x'.repeat(2048) }) });
  await c('PUT /feeds/{feed_id}', '/feeds/btc', { body: 'query=BTC/USD', contentType: 'text/plain' });
  await c('GET /feeds', '/feeds');
  await c('GET /feeds/{feed_id}', '/feeds/btc');
  await c('GET /feeds/{feed_id}', '/feeds/nothing');
  await c('GET /feeds/{feed_id}', '/feeds/BAD_ID');
  await c('GET /feeds/{feed_id}/latest', '/feeds/nothing/latest');
  await c('PUT /feeds/{feed_id}', '/feeds/silent', {
    body: JSON.stringify({ query: 'BTC/USD', deviation_bps: 50, heartbeat_ms: 60_000, poll_interval_ms: 50, min_responses: 9 }),
  });
  await c('GET /feeds/{feed_id}/latest', '/feeds/silent/latest');
  for (let tries = 0; (await fetch(`${plain.url}/feeds/btc/latest`)).status !== 200 && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await c('GET /feeds/{feed_id}/latest', '/feeds/btc/latest');
  await c('GET /feeds/{feed_id}/rounds', '/feeds/btc/rounds?limit=3');
  await c('GET /feeds/{feed_id}/rounds', '/feeds/btc/rounds?limit=0');
  await c('GET /feeds/{feed_id}/rounds', '/feeds/nothing/rounds');
  await c('GET /feeds/{feed_id}/events', '/feeds/nothing/events');
  await c('GET /feeds/{feed_id}/events', '/feeds/btc/events', { headers: { 'last-event-id': 'not an id' } });
  // A stream ends when its feed is deleted: then its whole body can be read and checked.
  const stream = c('GET /feeds/{feed_id}/events', '/feeds/btc/events');
  await new Promise((resolve) => setTimeout(resolve, 100));
  await c('DELETE /feeds/{feed_id}', '/feeds/btc');
  await stream;
  await c('DELETE /feeds/{feed_id}', '/feeds/btc');
  await c('DELETE /feeds/{feed_id}', '/feeds/BAD_ID');

  const empty = cleanup.add(await startTestCoordinator());
  await call('coordinator', empty.url, 'POST /request', '/request', { body: '{"query":"BTC/USD"}' });

  const limited = cleanup.add(await startTestCoordinator({ registerRateLimit: 1, requestRateLimit: 1 }));
  for (let i = 0; i < 2; i++) {
    await call('coordinator', limited.url, 'POST /register', '/register', { body: JSON.stringify({ id: 'fake', endpoint: slow.url }) });
  }
  for (let i = 0; i < 2; i++) await call('coordinator', limited.url, 'POST /request', '/request', { body: '{"query":"BTC/USD"}' });

  const guarded = cleanup.add(
    await startTestCoordinator({ registrationToken: 'registration-secret', apiKey: 'api-secret', adminToken: 'admin-secret' }),
  );
  const g = (operation: string, path: string, body?: string) =>
    call('coordinator', guarded.url, operation, path, body === undefined ? {} : { body });
  await g('POST /register', '/register', '{"id":"w","endpoint":"http://127.0.0.1:1"}');
  await g('POST /workers/{id}/heartbeat', '/workers/w/heartbeat');
  await g('DELETE /workers/{id}', '/workers/w');
  await g('POST /request', '/request', '{"query":"BTC/USD"}');
  await g('PUT /feeds/{feed_id}', '/feeds/btc', definition);
  await g('DELETE /feeds/{feed_id}', '/feeds/btc');
}

async function exerciseWorkers(): Promise<void> {
  const worker = cleanup.add(await startTestWorker('worker-1'));
  const w = (operation: string, path: string, init?: Parameters<typeof call>[4]) => call('worker', worker.url, operation, path, init);
  await w('POST /task', '/task', { body: '{"id":"r1","query":"BTC/USD"}' });
  await w('POST /task', '/task', { body: '{"id":"r1"}' });
  await w('POST /task', '/task', { body: JSON.stringify({ id: 'r1', query: 'BTC/USD', pad: 'x'.repeat(70_000) }) });
  await w('POST /task', '/task', { body: 'id=r1', contentType: 'text/plain' });
  await w('GET /healthz', '/healthz');
  await w('GET /readyz', '/readyz');
  const down = cleanup.add(await startTestWorker('down', { failureRate: 1, failureModes: ['outage'] }));
  await call('worker', down.url, 'POST /task', '/task', { body: '{"id":"r1","query":"BTC/USD"}' });
  const guarded = cleanup.add(
    await startWorkerServer(
      { id: 'guarded', host: '127.0.0.1', port: 0, simulation: HONEST, validateResponses: true, taskToken: 'task-secret' },
      silentLogger,
    ),
  );
  await call('worker', guarded.url, 'POST /task', '/task', { body: '{"id":"r1","query":"BTC/USD"}' });
}

const ajv = createSchemaValidator({ allErrors: true });
const compiled = new Map<object, ValidateFunction>();
function violations(schema: object, value: unknown): string[] {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate(value) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
}

/** What is wrong with an answer against what its operation documents for its status. */
function mismatches(answer: Answer): string[] {
  const [method = '', path = ''] = answer.operation.split(' ');
  const documented = specs.get(answer.service)?.response(path, method, answer.status);
  if (documented === undefined) return [`${answer.status} is not documented`];
  const found: string[] = [];
  const mediaType = (answer.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (documented.content === undefined) {
    if (answer.body !== '') found.push('a body where none is documented');
  } else {
    const schema = documented.content[mediaType]?.schema;
    if (schema === undefined) found.push(`media type ${mediaType || 'none'} is not documented`);
    else {
      const value = /json$/.test(mediaType) ? (JSON.parse(answer.body) as unknown) : answer.body;
      found.push(...violations(schema, value).map((violation) => `body ${violation}`));
    }
  }
  const headers = Object.fromEntries(Object.entries(documented.headers ?? {}).map(([name, header]) => [name.toLowerCase(), header]));
  for (const [name, header] of Object.entries(headers)) {
    const value = answer.headers.get(name);
    if (value === null) {
      if (header.required === true) found.push(`header ${name} is missing`);
    } else if (header.schema !== undefined) {
      found.push(...violations(header.schema, value).map((violation) => `header ${name}: ${violation}`));
    }
  }
  for (const name of API_HEADERS) {
    const rateLimitElsewhere = RATE_LIMIT_HEADERS.includes(name) && answer.status !== 200 && answer.status !== 429;
    if (answer.headers.has(name) && !(name in headers) && !rateLimitElsewhere) found.push(`header ${name} is not documented`);
  }
  return found;
}

describe('documented responses', () => {
  it('every answer of every operation is documented for its status, body and headers', () => {
    const wrong = answers.flatMap((answer) =>
      mismatches(answer).map((mismatch) => `${answer.service} ${answer.sent} → ${answer.status}: ${mismatch}`),
    );
    expect(wrong).toEqual([]);
  });

  it('covered every operation of both specs, and the statuses that matter here', () => {
    const seen = new Set(answers.map((answer) => `${answer.service} ${answer.operation} ${answer.status}`));
    for (const service of ['coordinator', 'worker'] as const) {
      for (const { method, path } of specs.get(service)?.operations() ?? []) {
        expect(
          [...seen].some((entry) => entry.startsWith(`${service} ${method} ${path} `)),
          `${service} ${method} ${path}`,
        ).toBe(true);
      }
    }
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'coordinator POST /workers/{id}/heartbeat 413',
        'coordinator POST /workers/{id}/heartbeat 401',
        'coordinator DELETE /workers/{id} 204',
        'coordinator DELETE /workers/{id} 401',
        'coordinator POST /register 401',
        'coordinator POST /register 409',
        'coordinator POST /register 413',
        'coordinator POST /register 415',
        'coordinator POST /register 429',
        'coordinator POST /request 200',
        'coordinator POST /request 401',
        'coordinator POST /request 409',
        'coordinator POST /request 413',
        'coordinator POST /request 415',
        'coordinator POST /request 429',
        'coordinator POST /request 503',
        'coordinator PUT /feeds/{feed_id} 200',
        'coordinator PUT /feeds/{feed_id} 201',
        'coordinator PUT /feeds/{feed_id} 401',
        'coordinator PUT /feeds/{feed_id} 413',
        'coordinator PUT /feeds/{feed_id} 415',
        'coordinator DELETE /feeds/{feed_id} 204',
        'coordinator DELETE /feeds/{feed_id} 401',
        'coordinator GET /feeds/{feed_id}/events 200',
        'coordinator GET /feeds/{feed_id}/latest 404',
        'coordinator GET /rounds/{request_id} 404',
        'worker POST /task 401',
        'worker POST /task 413',
        'worker POST /task 415',
        'worker POST /task 503',
      ]),
    );
  });

  it('documents 413 and 415 on every operation that takes a body, and the rate-limit headers on the limited ones', () => {
    for (const service of ['coordinator', 'worker'] as const) {
      const spec = specs.get(service);
      for (const { method, path } of spec?.operations().filter((operation) => operation.method === 'POST' || operation.method === 'PUT') ??
        []) {
        for (const status of [413, 415])
          expect(spec?.response(path, method, status), `${service} ${method} ${path} ${status}`).toBeDefined();
      }
    }
    const coordinator = specs.get('coordinator');
    for (const path of ['/register', '/request']) {
      for (const status of [200, 429]) {
        const headers = Object.keys(coordinator?.response(path, 'POST', status)?.headers ?? {});
        expect(headers, `POST ${path} ${status}`).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy']));
      }
    }
  });

  it("answers what Node's HTTP parser refuses, and a request timeout, with components.yaml's Problem", async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ headersTimeoutMs: 150, requestTimeoutMs: 300 }));
    const worker = cleanup.add(await startTestWorker('worker-2', {}, 1, { headersTimeoutMs: 150, requestTimeoutMs: 300 }));
    for (const url of [coordinator.url, worker.url]) {
      for (const { name, request, status } of [...PARSER_REFUSALS, { name: 'nothing sent', request: '', status: 408 }]) {
        const response = parseHttpResponse((await exchangeOverTcp(url, request, 2000)).received);
        expect(response.status, name).toBe(status);
        expect(problemViolations(JSON.parse(response.body)), name).toEqual([]);
      }
    }
  });
});
