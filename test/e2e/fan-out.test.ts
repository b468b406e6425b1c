import { afterEach, describe, expect, it } from 'vitest';
import { aggregateMedian } from '../../src/coordinator/aggregator.ts';
import { truePrice } from '../../src/market/market.ts';
import type { OracleRequestSubmission, OracleResult } from '../../src/contract/models.ts';
import { expectData, expectError, registeredWorkers, submitRequest } from '../helpers/clients.ts';
import { answerOf, registerAnsweringWorkers, replyJson, startAnsweringWorker, startFakeWorker } from '../helpers/fake-workers.ts';
import { Cleanup, register, startTestCoordinator, startTestWorker } from '../helpers/network.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function coordinatorWithWorkers(simulations: Parameters<typeof startTestWorker>[1][]) {
  const coordinator = cleanup.add(await startTestCoordinator());
  for (const [i, simulation] of simulations.entries()) {
    const worker = cleanup.add(await startTestWorker(`worker-${i + 1}`, simulation, 100 + i));
    await register(coordinator.url, `worker-${i + 1}`, worker.url);
  }
  return coordinator;
}

async function resultOf(url: string, body: OracleRequestSubmission): Promise<OracleResult> {
  return expectData(await submitRequest(url, body));
}

function usableValues(result: OracleResult): number[] {
  return result.worker_responses.filter((r) => r.err === undefined).map((r) => r.value);
}

describe('POST /request over real workers', () => {
  it('averages the answers of every registered worker by default', async () => {
    const coordinator = await coordinatorWithWorkers([{}, {}, {}]);
    const result = await resultOf(coordinator.url, { query: 'BTC/USD' });
    expect(result.worker_responses.map((r) => r.worker_id).sort()).toEqual(['worker-1', 'worker-2', 'worker-3']);
    expect(result.reliability_note).toBe('All workers responded successfully');
    expect(result.strategy).toBe('average');
    const values = usableValues(result);
    expect(values).toHaveLength(3);
    expect(result.final_value).toBeCloseTo(values.reduce((a, b) => a + b) / 3, 6);
    for (const response of result.worker_responses) {
      expect(response.request_id).toBe(result.request_id);
      expect(response.reliable).toBe(true);
      expect(response.response_time).toMatch(/^\d+(\.\d+)?(µs|ms|s)$/);
    }
    // Honest workers report the market's truth within their noise (0.1 %), give or take a window edge.
    const truth = truePrice('BTC/USD', Date.now());
    for (const value of values) expect(Math.abs(value - truth) / truth).toBeLessThan(0.002);
  });

  it('takes the median of the answers with strategy median', async () => {
    const coordinator = await coordinatorWithWorkers([{}, {}, {}, {}]);
    const result = await resultOf(coordinator.url, { query: 'ETH/USD', strategy: 'median' });
    expect(result.strategy).toBe('median');
    expect(result.final_value).toBe(aggregateMedian(usableValues(result)));
  });

  it('takes the mean of the agreeing majority with strategy majority, ignoring the outlier', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    await registerAnsweringWorkers(coordinator.url, cleanup, { a: 100, b: 100.1, c: 250 });
    expect((await resultOf(coordinator.url, { query: 'BTC/USD', strategy: 'majority' })).final_value).toBeCloseTo(100.05, 9);
  });

  it('rejects outliers with MAD before aggregating, and reports the spread and counts', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    await registerAnsweringWorkers(coordinator.url, cleanup, { a: 100, b: 100.1, c: 100.2, d: 100.3, wild: 5000 });
    const plain = await resultOf(coordinator.url, { query: 'BTC/USD' });
    expect(plain).toMatchObject({ values_used: 5, values_rejected: 0 });
    expect(plain.final_value).toBeCloseTo(1080.12, 9);
    expect(plain.spread).toBeCloseTo(0.2, 9);
    const robust = await resultOf(coordinator.url, { query: 'BTC/USD', mad_k: 3 });
    expect(robust).toMatchObject({ values_used: 4, values_rejected: 1, partial: false });
    expect(robust.final_value).toBeCloseTo(100.15, 9);
    expect(robust.spread).toBeCloseTo(0.15, 9);
    expect(robust.worker_responses.find((r) => r.worker_id === 'wild')).toMatchObject({ value: 5000, reliable: false });
    expect(robust.reliability_note).toBe('All workers responded successfully. Rejected as outliers (MAD, k = 3): wild.');
    const trimmed = await resultOf(coordinator.url, { query: 'BTC/USD', strategy: 'trimmed_mean', trim: 0.2 });
    expect(trimmed.final_value).toBeCloseTo(100.2, 9);
  });

  it('weights the median by reliability scores, so liars that have been caught lose their say', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    let h3Down = false;
    for (const [id, value] of Object.entries({ h1: 100, h2: 100.2, h3: 100.1, l1: 120, l2: 120 })) {
      const fake = cleanup.add(
        await startFakeWorker((task, res) =>
          id === 'h3' && h3Down ? replyJson(res, 500, { title: 'down' }) : replyJson(res, 200, answerOf(id, task, value)),
        ),
      );
      await register(coordinator.url, id, fake.url);
    }
    // While the honest workers hold the majority, the liars' answers count as outliers and their scores fall.
    for (let i = 0; i < 5; i++) await submitRequest(coordinator.url, { query: 'BTC/USD', strategy: 'median' });
    h3Down = true;
    const median = await resultOf(coordinator.url, { query: 'BTC/USD', strategy: 'median' });
    const weighted = await resultOf(coordinator.url, { query: 'BTC/USD', strategy: 'weighted_median' });
    expect(median.final_value).toBeCloseTo(110.1, 9);
    expect(weighted.final_value).toBe(100.2);
  });

  it('prices the moment given in as_of, so seeded workers answer alike every time', async () => {
    const coordinator = await coordinatorWithWorkers([{}, {}]);
    const asOf = '2026-01-01T00:00:00.000Z';
    const once = await resultOf(coordinator.url, { query: 'ETH/USD', as_of: asOf });
    const again = await resultOf(coordinator.url, { query: 'ETH/USD', as_of: asOf });
    expect(once.as_of).toBe(asOf);
    expect(again.worker_responses.map((r) => r.value)).toEqual(once.worker_responses.map((r) => r.value));
    const truth = truePrice('ETH/USD', Date.parse(asOf));
    for (const response of once.worker_responses) expect(Math.abs(response.value / truth - 1)).toBeLessThanOrEqual(0.001);
  });

  it('uses a request id the client chose, and refuses it with 409 while that request is in flight', async () => {
    const coordinator = await coordinatorWithWorkers([{ minDelayMs: 200, maxDelayMs: 200 }]);
    const first = submitRequest(coordinator.url, { query: 'BTC/USD', request_id: 'my-request-1' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const clash = await submitRequest(coordinator.url, { query: 'BTC/USD', request_id: 'my-request-1' });
    expect(expectError(clash, 409).code).toBe('REQUEST_ID_IN_USE');
    expect(expectData(await first)).toMatchObject({
      request_id: 'my-request-1',
      worker_responses: [expect.objectContaining({ request_id: 'my-request-1', reliable: true })],
    });
    expect((await submitRequest(coordinator.url, { query: 'BTC/USD', request_id: 'my-request-1' })).response.status).toBe(200);
  });

  it('asks a committee of ask_count workers, and at most the fan-out cap by default', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ maxFanOut: 4 }));
    for (let i = 1; i <= 6; i++) {
      const worker = cleanup.add(await startTestWorker(`worker-${i}`, {}, i));
      await register(coordinator.url, `worker-${i}`, worker.url);
    }
    const committee = await resultOf(coordinator.url, { query: 'BTC/USD', ask_count: 2 });
    expect(committee).toMatchObject({ workers_asked: 2, workers_answered: 2, workers_registered: 6, quorum: 2, partial: false });
    expect(committee.worker_responses).toHaveLength(2);
    expect(committee.reliability_note).toBe(
      'All workers responded successfully. Committee of 2 sampled by reliability from 6 registered workers.',
    );
    const capped = await resultOf(coordinator.url, { query: 'BTC/USD' });
    expect(capped).toMatchObject({ workers_asked: 4, workers_registered: 6 });
    const everyone = await resultOf(coordinator.url, { query: 'BTC/USD', ask_count: 10 });
    expect(everyone).toMatchObject({ workers_asked: 6, reliability_note: 'All workers responded successfully' });
  });

  it('answers 503 NO_MAJORITY with the breakdown when the workers are split evenly', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    await registerAnsweringWorkers(coordinator.url, cleanup, { a: 100, b: 100, c: 200, d: 200 });
    const problem = expectError(await submitRequest(coordinator.url, { query: 'BTC/USD', strategy: 'majority' }), 503);
    expect(problem.code).toBe('NO_MAJORITY');
    expect(problem.detail).toContain('2 of 4');
    expect(problem.worker_responses).toHaveLength(4);
  });

  it('excludes a failing worker from the aggregate and reports why', async () => {
    const coordinator = await coordinatorWithWorkers([
      {},
      {},
      { failureRate: 1, failureModes: ['outage'] },
      { failureRate: 1, failureModes: ['error'] },
    ]);
    const result = await resultOf(coordinator.url, { query: 'BTC/USD' });
    const byId = new Map(result.worker_responses.map((r) => [r.worker_id, r]));
    expect(byId.get('worker-3')).toMatchObject({ value: 0, reliable: false, err: 'HTTP 503: The simulated price source is down' });
    expect(byId.get('worker-4')).toMatchObject({
      value: 0,
      reliable: false,
      err: 'worker reported: simulated failure: price source unavailable',
    });
    const values = usableValues(result);
    expect(values).toHaveLength(2);
    expect(result.final_value).toBeCloseTo(values.reduce((x, y) => x + y) / 2, 6);
    expect(result).toMatchObject({ workers_asked: 4, workers_answered: 2, partial: true });
    expect(result.reliability_note).toContain('worker-3 (HTTP 503');
  });

  it('excludes a hanging worker and answers within the deadline', async () => {
    const coordinator = await coordinatorWithWorkers([{}, {}, { failureRate: 1, failureModes: ['hang'] }]);
    const started = Date.now();
    const result = await resultOf(coordinator.url, { query: 'BTC/USD', timeout_ms: 300 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(300 + 400);
    const hung = result.worker_responses.find((r) => r.worker_id === 'worker-3');
    expect(hung).toMatchObject({ err: 'timed out after 300ms', reliable: false });
    expect(result.reliability_note).toBe('2 of 3 workers responded. Excluded: worker-3 (timed out after 300ms).');
    expect(result.partial).toBe(false);
  });

  it('marks the result partial with a warning when most workers fail', async () => {
    const failing = { failureRate: 1, failureModes: ['outage' as const] };
    const coordinator = await coordinatorWithWorkers([{}, failing, failing]);
    const result = await resultOf(coordinator.url, { query: 'SOL/USD' });
    expect(result.partial).toBe(true);
    expect(result.workers_answered).toBe(1);
    expect(result.reliability_note).toMatch(
      /^Warning: partial result, only 1 of 3 workers responded \(quorum 2\)\. Excluded: worker-2 .*worker-3/,
    );
    expect(result.final_value).toBe(usableValues(result)[0]);
  });

  it('answers 503 NO_WORKERS when nobody is registered', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    expect(expectError(await submitRequest(coordinator.url, { query: 'BTC/USD' }), 503)).toMatchObject({
      code: 'NO_WORKERS',
      status: 503,
      type: 'urn:oracle-network:problem:no-workers',
      instance: '/request',
    });
  });

  it('answers 503 NO_USABLE_ANSWER with the breakdown when every worker fails', async () => {
    const coordinator = await coordinatorWithWorkers([{ failureRate: 1, failureModes: ['error'] }]);
    const problem = expectError(await submitRequest(coordinator.url, { query: 'BTC/USD' }), 503);
    expect(problem.code).toBe('NO_USABLE_ANSWER');
    expect(problem.worker_responses?.[0]).toMatchObject({ worker_id: 'worker-1', reliable: false });
    expect(problem.request_id).toBe(problem.worker_responses?.[0]?.request_id);
  });

  it('keeps one registry entry per id and sends tasks to the newest endpoint', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    const old = cleanup.add(await startAnsweringWorker('w', 1));
    const fresh = cleanup.add(await startAnsweringWorker('w', 2));
    await register(coordinator.url, 'w', old.url);
    await register(coordinator.url, 'w', fresh.url);
    expect(await registeredWorkers(coordinator)).toEqual([expect.objectContaining({ id: 'w', endpoint: fresh.url })]);
    expect(await resultOf(coordinator.url, { query: 'BTC/USD' })).toMatchObject({ final_value: 2 });
    expect(old.tasks).toHaveLength(0);
  });

  it('stops the fan-out when the client disconnects', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    let taskAborted: () => void = () => {};
    const aborted = new Promise<void>((resolve) => (taskAborted = resolve));
    const silent = cleanup.add(await startFakeWorker((_task, res) => res.on('close', () => taskAborted())));
    await register(coordinator.url, 'silent', silent.url);
    const client = new AbortController();
    const pending = submitRequest(coordinator.url, { query: 'BTC/USD', timeout_ms: 60000 }, client.signal).catch(() => 'aborted');
    await waitFor(() => silent.tasks.length === 1);
    client.abort();
    expect(await pending).toBe('aborted');
    await Promise.race([aborted, rejectAfter(2000, 'the call to the worker went on after the client left')]);
  });
});

function rejectAfter(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms));
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
