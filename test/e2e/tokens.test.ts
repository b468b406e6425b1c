/** Bearer tokens on every protected route of both services, and the open mode without them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import type { Problem } from '../../src/contract/models.ts';
import { startWorkerServer, type WorkerServer } from '../../src/worker/server.ts';
import { coordinatorApi, expectData, expectError, registeredWorkers, workerApi, type Reply } from '../helpers/clients.ts';
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

async function registeredIds(): Promise<string[]> {
  return (await registeredWorkers(coordinator)).map((w) => w.id);
}

const register = (token?: string) => coordinatorApi(coordinator, token).POST('/register', { body: { id: 'w1', endpoint: worker.url } });
const heartbeat = (token?: string) =>
  coordinatorApi(coordinator, token).POST('/workers/{id}/heartbeat', { params: { path: { id: 'w1' } } });
const deregister = (token?: string) => coordinatorApi(coordinator, token).DELETE('/workers/{id}', { params: { path: { id: 'w1' } } });
const submit = (token?: string) => coordinatorApi(coordinator, token).POST('/request', { body: { query: 'BTC/USD' } });

const protectedRoutes: { name: string; send: (token?: string) => Promise<Reply<unknown, Problem>> }[] = [
  { name: 'POST /register', send: register },
  { name: 'POST /workers/{id}/heartbeat', send: heartbeat },
  { name: 'DELETE /workers/{id}', send: deregister },
  { name: 'POST /request', send: submit },
];

describe('the coordinator with tokens', () => {
  it.each(protectedRoutes)('answers $name without a token, or with a wrong one, with 401 and changes nothing', async ({ send }) => {
    await register(REGISTRATION);
    const before = await registeredIds();
    for (const token of [undefined, 'wrong', `${REGISTRATION}x`, TASK]) {
      const reply = await send(token);
      expect(expectError(reply, 401), `token ${String(token)}`).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      expect(reply.response.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect(await registeredIds()).toEqual(before);
  });

  it('checks the token before the body, so an unauthenticated caller learns nothing from validation', async () => {
    // A body the spec forbids, sent by hand: the typed client would not let it through.
    const response = await fetch(`${coordinator.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nonsense: true }),
    });
    await response.body?.cancel();
    expect(response.status).toBe(401);
  });

  it('lets workers in with the registration token and clients with the API key, and tasks reach the worker with the task token', async () => {
    expect((await register(REGISTRATION)).response.status).toBe(200);
    expect((await heartbeat(REGISTRATION)).response.status).toBe(200);
    expect(expectData(await submit(API_KEY)).worker_responses[0]).toMatchObject({ worker_id: 'w1', reliable: true });
    expect((await deregister(REGISTRATION)).response.status).toBe(204);
    expect(await registeredIds()).toEqual([]);
  });

  it('leaves the registry view, health and metrics open', async () => {
    const api = coordinatorApi(coordinator);
    const replies = [
      await api.GET('/workers'),
      await api.GET('/healthz'),
      await api.GET('/readyz'),
      await api.GET('/metrics', { parseAs: 'text' }),
    ];
    expect(replies.map((reply) => reply.response.status)).toEqual([200, 200, 200, 200]);
  });
});

describe('a worker with a task token', () => {
  it('refuses POST /task without the token or with a wrong one', async () => {
    const task = (token?: string) => workerApi(worker, token).POST('/task', { body: { id: 'r1', query: 'BTC/USD' } });
    for (const token of [undefined, 'wrong', REGISTRATION]) {
      expect(expectError(await task(token), 401)).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    expect((await task(TASK)).response.status).toBe(200);
  });

  it('is excluded, with the reason, by a coordinator that presents another task token', async () => {
    const stranger = cleanup.add(await startTestCoordinator({ taskToken: 'not-the-task-token' }));
    const api = coordinatorApi(stranger);
    expect((await api.POST('/register', { body: { id: 'w1', endpoint: worker.url } })).response.status).toBe(200);
    const problem = expectError(await api.POST('/request', { body: { query: 'BTC/USD' } }), 503);
    expect(problem.worker_responses?.[0]?.err).toBe('HTTP 401: The task token is wrong');
  });
});
