/**
 * Defects found by trying the coordinator as a hostile user would (the hardening issue), one
 * test each, over real HTTP on loopback.
 */
import { Agent, request as undiciRequest } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/contract/duration.ts';
import { DEFAULT_COORDINATOR_CONFIG } from '../../src/coordinator/config.ts';
import { refusalToListen, startCoordinatorServer } from '../../src/coordinator/server.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { Membership } from '../../src/worker/membership.ts';
import { parsePrometheusText } from '../helpers/prometheus.ts';
import { createCoordinatorApi } from '../../src/client/api.ts';
import { coordinatorApi } from '../helpers/clients.ts';
import { answerOf, replyJson, startAnsweringWorker, startFakeWorker } from '../helpers/fake-workers.ts';
import { Cleanup, register, silentLogger, startTestCoordinator } from '../helpers/network.ts';
import { runProgram } from '../helpers/run-program.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function fakeAnswering(workerId: string, value: number) {
  return cleanup.add(await startAnsweringWorker(workerId, value));
}

describe('the deadline holds when a worker is saturated', () => {
  it(
    'answers within its own deadline although 70 earlier requests fill the hanging worker’s connections',
    { timeout: 30_000 },
    async () => {
      // Ejection would take the hanging worker out after three overloads; keep asking it here.
      const coordinator = cleanup.add(await startTestCoordinator({ ejectAfterFailures: 1000 }));
      const api = coordinatorApi(coordinator);
      for (const id of ['fast-1', 'fast-2']) await register(coordinator.url, id, (await fakeAnswering(id, 100)).url);
      const hanging = cleanup.add(await startFakeWorker(() => undefined));
      await register(coordinator.url, 'hanging', hanging.url);

      const background = new AbortController();
      const long = Array.from({ length: 70 }, () =>
        api.POST('/request', { body: { query: 'BTC/USD', timeout_ms: 20_000 }, signal: background.signal }).catch(() => undefined),
      );
      try {
        // Let the long requests take every connection to the hanging worker first.
        await expect.poll(() => hanging.tasks.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(64);
        const started = performance.now();
        const { data } = await api.POST('/request', { body: { query: 'BTC/USD', timeout_ms: 500 } });
        const elapsed = performance.now() - started;
        // Before the fix this took 19 s: the task waited for a socket behind the 20 s ones.
        expect(elapsed).toBeLessThan(1_500);
        const stuck = data?.worker_responses.find((r) => r.worker_id === 'hanging');
        expect(stuck?.err).toBe('overloaded: 64 tasks already in flight to this worker');
        expect(parseDuration(stuck?.response_time ?? '1h')).toBeLessThan(1_000);
        expect(data?.final_value).toBe(100);
      } finally {
        background.abort();
        await Promise.all(long);
      }
    },
  );
});

describe('per-worker metric series', () => {
  it('do not outlive a worker that deregisters while its task is in flight', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    const api = coordinatorApi(coordinator);
    await register(coordinator.url, 'steady', (await fakeAnswering('steady', 100)).url);
    let release: () => void = () => undefined;
    const leaving = cleanup.add(
      await startFakeWorker((task, res) => {
        const reply = () => replyJson(res, 200, answerOf('leaving', task, 100));
        // The first task creates its series; the second is held until the worker has left.
        if (leaving.tasks.length === 1) reply();
        else release = reply;
      }),
    );
    await register(coordinator.url, 'leaving', leaving.url);
    await api.POST('/request', { body: { query: 'BTC/USD' } }).then(() => undefined);
    const pending = api.POST('/request', { body: { query: 'BTC/USD' } });
    await expect.poll(() => leaving.tasks.length).toBe(2);
    expect((await api.DELETE('/workers/{id}', { params: { path: { id: 'leaving' } } })).response.status).toBe(204);
    release();
    expect((await pending).data?.workers_answered).toBe(2);
    const metrics = parsePrometheusText(await (await fetch(`${coordinator.url}/metrics`)).text());
    expect(metrics.filter((sample) => sample.labels.worker_id === 'leaving')).toEqual([]);
    expect(metrics.some((sample) => sample.labels.worker_id === 'steady')).toBe(true);
  });
});

/**
 * A coordinator client whose connections leave from `localAddress` (every 127.x address is this
 * machine), so a test can play a second host. Global fetch cannot take an npm undici Agent, so
 * this fetch goes through undici.request.
 */
function clientFrom(baseUrl: string, localAddress: string, token?: string) {
  const dispatcher = new Agent({ localAddress });
  cleanup.add({ close: () => dispatcher.close() });
  const fetchFrom = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = request.method === 'GET' || request.method === 'DELETE' ? undefined : await request.text();
    const answer = await undiciRequest(request.url, {
      method: request.method as 'GET',
      headers: Object.fromEntries(request.headers),
      body,
      dispatcher,
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) if (typeof value === 'string') headers.set(name, value);
    return new Response(answer.statusCode === 204 ? null : await answer.body.text(), { status: answer.statusCode, headers });
  };
  return createCoordinatorApi({ baseUrl, token, fetch: fetchFrom });
}

describe('safe defaults for an open coordinator', () => {
  it('refuses to listen beyond loopback without a registration token, and says how to opt out', async () => {
    const { code, stderr } = await runProgram('coordinator', ['--host', '0.0.0.0', '--port', '0']);
    expect(code).toBe(2);
    expect(stderr).toContain('refusing to listen on 0.0.0.0 without a registration token');
    expect(stderr).toContain('--insecure-open');
    expect(
      refusalToListen({ host: '0.0.0.0', registrationToken: 'secret', insecureOpen: false, trustedWorkers: undefined }),
    ).toBeUndefined();
    expect(
      refusalToListen({ host: '10.1.2.3', registrationToken: undefined, insecureOpen: true, trustedWorkers: undefined }),
    ).toBeUndefined();
    expect(refusalToListen({ host: '::1', registrationToken: undefined, insecureOpen: false, trustedWorkers: undefined })).toBeUndefined();
    expect(refusalToListen({ host: '::', registrationToken: undefined, insecureOpen: false, trustedWorkers: undefined })).toContain(
      'refusing',
    );
  });

  it('limits registrations per client by default, well above what the cluster, the lab and the benchmark need', async () => {
    expect(DEFAULT_COORDINATOR_CONFIG.registerRateLimit).toBe(1200);
    const coordinator = cleanup.add(await startTestCoordinator());
    const api = coordinatorApi(coordinator);
    const statuses: number[] = [];
    for (let i = 0; i < 1201; i++) {
      const { response } = await api.POST('/register', { body: { id: 'w1', endpoint: 'http://127.0.0.1:9' } });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 1200).every((status) => status === 200)).toBe(true);
    expect(statuses[1200]).toBe(429);
  });

  it('caps the workers one address may hold', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ maxWorkersPerAddress: 2 }));
    const here = coordinatorApi(coordinator);
    const elsewhere = clientFrom(coordinator.url, '127.0.0.2');
    for (const id of ['a', 'b'])
      expect((await here.POST('/register', { body: { id, endpoint: 'http://127.0.0.1:9' } })).response.status).toBe(200);
    const { error, response } = await here.POST('/register', { body: { id: 'c', endpoint: 'http://127.0.0.1:9' } });
    expect(response.status).toBe(409);
    expect(error?.code).toBe('ADDRESS_LIMIT_REACHED');
    expect((await elsewhere.POST('/register', { body: { id: 'c', endpoint: 'http://127.0.0.1:9' } })).response.status).toBe(200);
  });

  it('pages GET /workers with a bounded default page and a working cursor', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    const api = coordinatorApi(coordinator);
    for (let i = 0; i < 150; i++) await api.POST('/register', { body: { id: `w${i}`, endpoint: 'http://127.0.0.1:9' } });
    const first = (await api.GET('/workers')).data;
    expect(first?.workers).toHaveLength(100);
    const second = (await api.GET('/workers', { params: { query: { cursor: first?.next ?? '' } } })).data;
    expect(second?.workers.map((w) => w.id)).toEqual(Array.from({ length: 50 }, (_, i) => `w${i + 100}`));
    expect(second?.next).toBeUndefined();
    for (const query of [{ limit: 0 }, { limit: 1001 }, { cursor: 'not a cursor' }, { cursor: '0' }]) {
      const { error, response } = await api.GET('/workers', { params: { query: query } });
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect(error?.code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('a worker id cannot be hijacked with the shared registration token', () => {
  const token = 'shared-registration-token';
  const taskToken = 'task-token';

  it('refuses to move, refresh or remove an id from another address, and keeps sending tasks (and the task token) to the real worker', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ registrationToken: token, taskToken }));
    const authorizations: (string | undefined)[] = [];
    const real = cleanup.add(
      await startFakeWorker((task, res, req) => {
        authorizations.push(req.headers.authorization);
        replyJson(res, 200, answerOf('w1', task, 100));
      }),
    );
    const trap = cleanup.add(await startFakeWorker((task, res) => replyJson(res, 200, answerOf('w1', task, 1))));
    const worker = clientFrom(coordinator.url, '127.0.0.1', token);
    const attacker = clientFrom(coordinator.url, '127.0.0.3', token);
    expect((await worker.POST('/register', { body: { id: 'w1', endpoint: real.url } })).response.status).toBe(200);

    const moved = await attacker.POST('/register', { body: { id: 'w1', endpoint: trap.url } });
    expect(moved.response.status).toBe(409);
    expect(moved.error?.code).toBe('WORKER_ID_TAKEN');
    const path = { params: { path: { id: 'w1' } } };
    expect((await attacker.POST('/workers/{id}/heartbeat', path)).error?.code).toBe('WORKER_ID_TAKEN');
    expect((await attacker.DELETE('/workers/{id}', path)).error?.code).toBe('WORKER_ID_TAKEN');

    expect((await worker.GET('/workers/{id}', path)).data?.endpoint).toBe(real.url);
    expect((await worker.POST('/request', { body: { query: 'BTC/USD' } })).data?.final_value).toBe(100);
    expect(authorizations).toEqual([`Bearer ${taskToken}`]);
    expect(trap.tasks).toHaveLength(0);
  });

  it('tells a worker whose id was moved from its own address to register again, and logs both endpoints', async () => {
    const lines: string[] = [];
    const logger = createLogger('coordinator', 'info', { write: (line: string) => lines.push(line) });
    const coordinator = cleanup.add(
      await startCoordinatorServer({ ...DEFAULT_COORDINATOR_CONFIG, port: 0, validateResponses: true, registrationToken: token }, logger),
    );
    const real = cleanup.add(await startFakeWorker((task, res) => replyJson(res, 200, answerOf('w1', task, 100))));
    const membership = new Membership({
      coordinatorUrl: coordinator.url,
      registration: { id: 'w1', endpoint: real.url },
      logger: silentLogger,
      heartbeatIntervalMs: 20,
      registrationToken: token,
    });
    cleanup.add({ close: () => membership.stop() });
    await membership.start();
    const sameHost = clientFrom(coordinator.url, '127.0.0.1', token);
    expect((await sameHost.POST('/register', { body: { id: 'w1', endpoint: 'http://127.0.0.1:9' } })).response.status).toBe(200);
    expect(lines.some((line) => line.includes('"previous_endpoint"') && line.includes('"level":40') && line.includes(real.url))).toBe(true);
    // The worker's next heartbeat reports its own endpoint, learns of the move and takes its id back.
    await expect
      .poll(async () => (await sameHost.GET('/workers/{id}', { params: { path: { id: 'w1' } } })).data?.endpoint, { timeout: 5_000 })
      .toBe(real.url);
    expect(lines.some((line) => line.includes('heartbeat from a worker registered at another endpoint'))).toBe(true);
  });
});
