import { afterEach, describe, expect, it } from 'vitest';
import type { OracleRequestSubmission, OracleResult, WorkerInfo } from '../../src/contract/models.ts';
import { startWorkerServer } from '../../src/worker/server.ts';
import { coordinatorApi, expectData, expectError, registeredWorkers, submitRequest, workerApi, type Target } from '../helpers/clients.ts';
import { registerAnsweringWorkers, startAnsweringWorker } from '../helpers/fake-workers.ts';
import { Cleanup, HONEST, register, silentLogger, startTestCoordinator, startTestWorker } from '../helpers/network.ts';
import { parsePrometheusText, valueOf } from '../helpers/prometheus.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function getWorker(coordinator: Target, id: string) {
  return coordinatorApi(coordinator).GET('/workers/{id}', { params: { path: { id } } });
}

async function workerInfo(coordinator: Target, id: string): Promise<WorkerInfo> {
  return expectData(await getWorker(coordinator, id));
}

function heartbeat(coordinator: Target, id: string) {
  return coordinatorApi(coordinator).POST('/workers/{id}/heartbeat', { params: { path: { id } } });
}

function submit(coordinator: Target, fields: Partial<OracleRequestSubmission> = {}) {
  return submitRequest(coordinator, { query: 'BTC/USD', ...fields });
}

async function request(coordinator: Target, fields: Partial<OracleRequestSubmission> = {}): Promise<OracleResult> {
  return expectData(await submit(coordinator, fields));
}

async function scrapeMetrics(coordinator: Target) {
  const reply = await coordinatorApi(coordinator).GET('/metrics', { parseAs: 'text' });
  expect(reply.response.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePrometheusText(expectData(reply));
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function startWorkerServerForDrain() {
  return startWorkerServer(
    {
      id: 'drainer',
      host: '127.0.0.1',
      port: 0,
      seed: 1,
      shutdownGraceMs: 2000,
      validateResponses: true,
      simulation: { ...HONEST, minDelayMs: 300, maxDelayMs: 300 },
    },
    silentLogger,
  );
}

describe('heartbeats, deregistration and eviction', () => {
  it('refreshes last_seen on a heartbeat and answers 404 for an unknown id', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    await register(coordinator.url, 'w1', 'http://127.0.0.1:9');
    const before = (await workerInfo(coordinator.url, 'w1')).last_seen;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const beat = expectData(await heartbeat(coordinator, 'w1'));
    expect(beat.status).toBe('alive');
    expect(Date.parse(beat.last_seen)).toBeGreaterThan(Date.parse(before));
    expect((await workerInfo(coordinator.url, 'w1')).last_seen).toBe(beat.last_seen);

    expect(expectError(await heartbeat(coordinator, 'nobody'), 404)).toMatchObject({ code: 'WORKER_NOT_REGISTERED', status: 404 });
  });

  it('removes a worker at once on DELETE /workers/{id}', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    await register(coordinator.url, 'w1', 'http://127.0.0.1:9');
    await register(coordinator.url, 'w2', 'http://127.0.0.1:9');
    const deregister = (id: string) => coordinatorApi(coordinator).DELETE('/workers/{id}', { params: { path: { id } } });
    expect((await deregister('w1')).response.status).toBe(204);
    expect((await registeredWorkers(coordinator)).map((w) => w.id)).toEqual(['w2']);
    expect(expectError(await deregister('w1'), 404)).toMatchObject({ status: 404, code: 'WORKER_NOT_REGISTERED' });
    expect((await getWorker(coordinator, 'w1')).response.status).toBe(404);
  });

  it('evicts a worker whose heartbeats stop, keeps one that beats, and counts the eviction', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ workerTtlMs: 300, sweepIntervalMs: 25 }));
    // The silent worker was last seen no earlier than this, on the coordinator's clock (the same).
    const beforeSilentRegistered = Date.now();
    await register(coordinator.url, 'silent', 'http://127.0.0.1:9');
    await register(coordinator.url, 'beating', 'http://127.0.0.1:9');
    const beats = setInterval(() => void heartbeat(coordinator, 'beating'), 50);
    try {
      await waitFor(async () => (await getWorker(coordinator, 'silent')).response.status === 404);
      expect(Date.now() - beforeSilentRegistered).toBeGreaterThanOrEqual(300);
      expect((await getWorker(coordinator, 'beating')).response.status).toBe(200);
    } finally {
      clearInterval(beats);
    }
    const metrics = await scrapeMetrics(coordinator);
    expect(valueOf(metrics, 'oracle_worker_evictions_total')).toBe(1);
    expect(valueOf(metrics, 'oracle_registered_workers')).toBe(1);
  });
});

describe('reliability scores', () => {
  it('scores an outlier below honest workers, marks it unreliable, and still answers', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    await registerAnsweringWorkers(coordinator.url, cleanup, { h1: 100, h2: 100.1, h3: 99.9, liar: 110 });
    let last: OracleResult | undefined;
    for (let i = 0; i < 6; i++) last = await request(coordinator.url, { strategy: 'median' });
    const liarAnswer = last?.worker_responses.find((r) => r.worker_id === 'liar');
    expect(liarAnswer).toMatchObject({ value: 110, reliable: false });
    expect(liarAnswer?.err).toBeUndefined();
    expect(last?.reliability_note).toContain('Outliers against the consensus: liar (+10.00%)');
    const liar = await workerInfo(coordinator.url, 'liar');
    const honest = await workerInfo(coordinator.url, 'h1');
    expect(liar.reliable).toBe(false);
    expect(liar.score).toBeLessThan(0.5);
    expect(honest.reliable).toBe(true);
    expect(honest.score).toBeGreaterThan(0.9);
    // The consensus is the lower weighted median, 100: the liar sits 10 % off it.
    expect(liar.stats?.mean_deviation).toBeCloseTo(0.1, 6);
    expect(honest.stats).toMatchObject({ tasks: 6, successes: 6, failures: 0, timeouts: 0 });
    expect(honest.stats?.latency_p50_ms).toBeGreaterThan(0);
  });

  it('lets a worker earn its way back', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    let lying = true;
    const flipper = cleanup.add(await startAnsweringWorker('flipper', () => (lying ? 150 : 100)));
    await registerAnsweringWorkers(coordinator.url, cleanup, { h1: 100, h2: 100 });
    await register(coordinator.url, 'flipper', flipper.url);
    for (let i = 0; i < 5; i++) await request(coordinator.url);
    expect((await workerInfo(coordinator.url, 'flipper')).reliable).toBe(false);
    lying = false;
    for (let i = 0; i < 8; i++) await request(coordinator.url);
    expect((await workerInfo(coordinator.url, 'flipper')).reliable).toBe(true);
  });
});

describe('temporary ejection', () => {
  it('ejects a worker after N consecutive failures and asks it again after its back-off', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ ejectAfterFailures: 2, ejectionBaseMs: 300 }));
    await registerAnsweringWorkers(coordinator.url, cleanup, { h1: 100, h2: 100 });
    const broken = cleanup.add(await startTestWorker('broken', { failureRate: 1, failureModes: ['outage'] }));
    await register(coordinator.url, 'broken', broken.url);

    await request(coordinator.url);
    expect((await workerInfo(coordinator.url, 'broken')).state).toBe('active');
    await request(coordinator.url);
    const ejected = await workerInfo(coordinator.url, 'broken');
    expect(ejected.state).toBe('ejected');
    expect(Date.parse(ejected.ejected_until ?? '')).toBeGreaterThan(Date.now());

    const skipped = await request(coordinator.url);
    expect(skipped.worker_responses.map((r) => r.worker_id)).toEqual(['h1', 'h2']);
    expect(skipped).toMatchObject({ workers_asked: 2, workers_registered: 3 });
    expect(skipped.reliability_note).toBe('All workers responded successfully. Not asked (ejected after repeated failures): broken.');

    await waitFor(async () => (await workerInfo(coordinator.url, 'broken')).state === 'active', 2000);
    const back = await request(coordinator.url);
    expect(back.worker_responses.map((r) => r.worker_id)).toContain('broken');
    const metrics = await scrapeMetrics(coordinator);
    expect(valueOf(metrics, 'oracle_worker_ejections_total')).toBe(1);
  });

  it('never ejects more than the configured share of workers, however many fail', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ ejectAfterFailures: 1, ejectionBaseMs: 60_000, maxEjectedShare: 0.5 }));
    await registerAnsweringWorkers(coordinator.url, cleanup, { h1: 100 });
    for (const id of ['b1', 'b2', 'b3']) {
      const broken = cleanup.add(await startTestWorker(id, { failureRate: 1, failureModes: ['error'] }));
      await register(coordinator.url, id, broken.url);
    }
    for (let i = 0; i < 4; i++) {
      await request(coordinator.url, { min_responses: 1 });
      const workers = await registeredWorkers(coordinator);
      expect(workers.filter((w) => w.state === 'ejected').length).toBeLessThanOrEqual(2);
    }
    const workers = await registeredWorkers(coordinator);
    expect(workers.filter((w) => w.state === 'ejected').map((w) => w.id)).toEqual(['b1', 'b2']);
    // b3 fails every time but stays in rotation, because ejecting it would pass the cap.
    expect(workers.find((w) => w.id === 'b3')).toMatchObject({ state: 'active', stats: { failures: 4, consecutive_failures: 4 } });
  });
});

describe('quorum', () => {
  it('marks the result partial with a warning when min_responses is not met', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    await registerAnsweringWorkers(coordinator.url, cleanup, { a: 100, b: 100, c: 100 });
    const result = await request(coordinator.url, { min_responses: 4 });
    expect(result).toMatchObject({ partial: true, quorum: 4, workers_answered: 3, final_value: 100 });
    expect(result.reliability_note).toBe('Warning: partial result, only 3 of 3 workers responded (quorum 4).');
    const met = await request(coordinator.url, { min_responses: 3 });
    expect(met).toMatchObject({ partial: false, quorum: 3, reliability_note: 'All workers responded successfully' });
  });
});

describe('health, readiness, draining and metrics', () => {
  it('answers /healthz and /readyz, and refuses new requests while draining in-flight ones', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ shutdownGraceMs: 2000 }));
    const slow = cleanup.add(await startTestWorker('slow', { minDelayMs: 300, maxDelayMs: 300 }));
    await register(coordinator.url, 'slow', slow.url);
    const api = coordinatorApi(coordinator);
    expect(expectData(await api.GET('/healthz'))).toEqual({ status: 'ok' });
    expect(expectData(await api.GET('/readyz'))).toEqual({ status: 'ready' });

    const inFlight = submit(coordinator);
    await waitFor(() => true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const drained = coordinator.coordinator.drain(2000);
    expect(expectError(await submit(coordinator), 503)).toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(expectError(await api.GET('/readyz'), 503)).toMatchObject({ status: 503, code: 'SHUTTING_DOWN' });
    expect((await api.GET('/healthz')).response.status).toBe(200);
    expect(expectData(await inFlight).workers_answered).toBe(1);
    await drained;
  });

  it('lets a draining worker finish its tasks while it refuses new ones and fails /readyz', async () => {
    const worker = await startWorkerServerForDrain();
    const api = workerApi(worker);
    const task = (id: string) => api.POST('/task', { body: { id, query: 'BTC/USD' } });
    expect(expectData(await api.GET('/readyz'))).toEqual({ status: 'ready' });
    const inFlight = task('r1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = worker.close();
    expect(expectError(await api.GET('/readyz'), 503)).toMatchObject({ status: 503, code: 'SHUTTING_DOWN' });
    expect(expectError(await task('r2'), 503)).toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(expectData(await inFlight)).toMatchObject({ request_id: 'r1', worker_id: 'drainer' });
    await closed;
    await expect(api.GET('/healthz')).rejects.toThrow();
  });

  it('cancels what is still in flight when the grace period ends', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ shutdownGraceMs: 100 }));
    const hanging = cleanup.add(await startTestWorker('hanging', { failureRate: 1, failureModes: ['hang'] }));
    const quick = cleanup.add(await startTestWorker('quick'));
    await register(coordinator.url, 'hanging', hanging.url);
    await register(coordinator.url, 'quick', quick.url);
    const inFlight = submit(coordinator, { timeout_ms: 30000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await coordinator.coordinator.drain(100);
    expect(Date.now() - started).toBeLessThan(1000);
    const result = expectData(await inFlight);
    expect(result.worker_responses.find((r) => r.worker_id === 'hanging')?.err).toBe('cancelled: the coordinator is shutting down');
  });

  it('serves Prometheus metrics whose counters move with the traffic', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    await registerAnsweringWorkers(coordinator.url, cleanup, { ok: 100 });
    const failing = cleanup.add(await startTestWorker('failing', { failureRate: 1, failureModes: ['error'] }));
    await register(coordinator.url, 'failing', failing.url);
    const before = await scrapeMetrics(coordinator);
    expect(valueOf(before, 'oracle_registered_workers')).toBe(2);
    await request(coordinator.url);
    await request(coordinator.url, { min_responses: 1 });
    await submit(coordinator, { strategy: 'majority', min_responses: 1 });
    const after = await scrapeMetrics(coordinator);
    expect(
      valueOf(after, 'oracle_requests_total', { outcome: 'partial' }) - valueOf(before, 'oracle_requests_total', { outcome: 'partial' }),
    ).toBe(1);
    expect(
      valueOf(after, 'oracle_requests_total', { outcome: 'complete' }) - valueOf(before, 'oracle_requests_total', { outcome: 'complete' }),
    ).toBe(2);
    expect(valueOf(after, 'oracle_worker_tasks_total', { worker_id: 'ok', outcome: 'success' })).toBe(3);
    expect(valueOf(after, 'oracle_worker_tasks_total', { worker_id: 'failing', outcome: 'failure' })).toBe(3);
    expect(valueOf(after, 'oracle_request_duration_seconds_count', { strategy: 'average' })).toBe(2);
    expect(valueOf(after, 'oracle_worker_task_duration_seconds_count', { worker_id: 'ok' })).toBe(3);
    expect(valueOf(after, 'oracle_worker_score', { worker_id: 'failing' })).toBeLessThan(
      valueOf(after, 'oracle_worker_score', { worker_id: 'ok' }),
    );
    expect(after.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
  });
});
