/** Bearer tokens on every protected route of both services, and the open mode without them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import type { OracleResult } from '../../src/contract/models.ts';
import { startWorkerServer, type WorkerServer } from '../../src/worker/server.ts';
import { Cleanup, HONEST, silentLogger, startTestCoordinator } from '../helpers/network.ts';

const REGISTRATION = 'registration-secret';
const TASK = 'task-secret';
const API_KEY = 'api-secret';

const cleanup = new Cleanup();
let coordinator: CoordinatorServer;
let worker: WorkerServer;

beforeAll(async () => {
  coordinator = cleanup.add(await startTestCoordinator({ registrationToken: REGISTRATION, taskToken: TASK, apiKey: API_KEY }));
  worker = cleanup.add(
    await startWorkerServer(
      { id: 'w1', host: '127.0.0.1', port: 0, seed: 1, taskToken: TASK, validateResponses: true, simulation: HONEST },
      silentLogger,
    ),
  );
});
afterAll(() => cleanup.run());

async function call(url: string, method: string, body: unknown, token?: string) {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function registeredIds(): Promise<string[]> {
  return ((await call(`${coordinator.url}/workers`, 'GET', undefined)).body.workers as { id: string }[]).map((w) => w.id);
}

const protectedRoutes = [
  { name: 'POST /register', method: 'POST', path: '/register', body: () => ({ id: 'w1', endpoint: worker.url }), token: REGISTRATION },
  { name: 'POST /workers/{id}/heartbeat', method: 'POST', path: '/workers/w1/heartbeat', body: () => undefined, token: REGISTRATION },
  { name: 'DELETE /workers/{id}', method: 'DELETE', path: '/workers/w1', body: () => undefined, token: REGISTRATION },
  { name: 'POST /request', method: 'POST', path: '/request', body: () => ({ query: 'BTC/USD' }), token: API_KEY },
];

describe('the coordinator with tokens', () => {
  it.each(protectedRoutes)(
    'answers $name without a token, or with a wrong one, with 401 and changes nothing',
    async ({ method, path, body }) => {
      await call(`${coordinator.url}/register`, 'POST', { id: 'w1', endpoint: worker.url }, REGISTRATION);
      const before = await registeredIds();
      for (const token of [undefined, 'wrong', `${REGISTRATION}x`, TASK]) {
        const reply = await call(`${coordinator.url}${path}`, method, body(), token);
        expect(reply.status, `token ${String(token)}`).toBe(401);
        expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(reply.headers.get('www-authenticate')).toBe('Bearer');
        expect(reply.body).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      }
      expect(await registeredIds()).toEqual(before);
    },
  );

  it('checks the token before the body, so an unauthenticated caller learns nothing from validation', async () => {
    const reply = await call(`${coordinator.url}/register`, 'POST', { nonsense: true });
    expect(reply.status).toBe(401);
  });

  it('lets workers in with the registration token and clients with the API key, and tasks reach the worker with the task token', async () => {
    expect((await call(`${coordinator.url}/register`, 'POST', { id: 'w1', endpoint: worker.url }, REGISTRATION)).status).toBe(200);
    expect((await call(`${coordinator.url}/workers/w1/heartbeat`, 'POST', undefined, REGISTRATION)).status).toBe(200);
    const reply = await call(`${coordinator.url}/request`, 'POST', { query: 'BTC/USD' }, API_KEY);
    expect(reply.status).toBe(200);
    expect((reply.body as unknown as OracleResult).worker_responses[0]).toMatchObject({ worker_id: 'w1', reliable: true });
    expect((await call(`${coordinator.url}/workers/w1`, 'DELETE', undefined, REGISTRATION)).status).toBe(204);
    expect(await registeredIds()).toEqual([]);
  });

  it('leaves the registry view, health and metrics open', async () => {
    for (const path of ['/workers', '/healthz', '/readyz', '/metrics']) expect((await fetch(`${coordinator.url}${path}`)).status).toBe(200);
  });
});

describe('a worker with a task token', () => {
  it('refuses POST /task without the token or with a wrong one', async () => {
    for (const token of [undefined, 'wrong', REGISTRATION]) {
      const reply = await call(`${worker.url}/task`, 'POST', { id: 'r1', query: 'BTC/USD' }, token);
      expect(reply.status).toBe(401);
      expect(reply.body).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    expect((await call(`${worker.url}/task`, 'POST', { id: 'r1', query: 'BTC/USD' }, TASK)).status).toBe(200);
  });

  it('is excluded, with the reason, by a coordinator that presents another task token', async () => {
    const stranger = cleanup.add(await startTestCoordinator({ taskToken: 'not-the-task-token' }));
    expect((await call(`${stranger.url}/register`, 'POST', { id: 'w1', endpoint: worker.url })).status).toBe(200);
    const reply = await call(`${stranger.url}/request`, 'POST', { query: 'BTC/USD' });
    expect(reply.status).toBe(503);
    expect((reply.body.worker_responses as { err: string }[])[0]?.err).toBe('HTTP 401: The task token is wrong');
  });
});
