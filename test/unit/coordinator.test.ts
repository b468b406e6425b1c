/**
 * The Coordinator's logic without HTTP: a fake SendTask plays the workers and an injected clock
 * drives ejection, so every outcome is reached in memory. Opening a socket here is a bug, and the
 * guard below makes it fail the test.
 */
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OracleRequest, OracleResult } from '../../src/contract/models.ts';
import type { RawAnswer } from '../../src/coordinator/answer-check.ts';
import { Coordinator, type CoordinatorOptions } from '../../src/coordinator/coordinator.ts';
import { CoordinatorMetrics } from '../../src/coordinator/metrics.ts';
import { generateSigningKey } from '../../src/signing/ed25519.ts';
import { MemoryWorkerStore } from '../../src/coordinator/memory-worker-store.ts';
import { Registry } from '../../src/coordinator/registry.ts';
import { MemoryRoundStore } from '../../src/coordinator/rounds/memory-round-store.ts';
import type { SendTask } from '../../src/coordinator/task-client.ts';
import { DEFAULT_HEALTH_POLICY, type HealthPolicy } from '../../src/coordinator/worker-health.ts';
import { ProblemError } from '../../src/http/problems.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { parsePrometheusText, valueOf } from '../helpers/prometheus.ts';

/** How a fake worker answers: a value, an HTTP status, or never (until the call is aborted). */
type Behaviour = number | { status: number } | 'hang';

function answer(task: OracleRequest, workerId: string, value: number): RawAnswer {
  const body = { worker_id: workerId, request_id: task.id, value, response_time: '1ms', reliable: true };
  return { status: 200, contentType: 'application/json', body: JSON.stringify(body) };
}

class FakeWorkers {
  readonly behaviours = new Map<string, Behaviour>();
  readonly calls: { workerId: string; task: OracleRequest }[] = [];

  readonly sendTask: SendTask = (endpoint, task, signal) => {
    const workerId = new URL(endpoint).hostname;
    this.calls.push({ workerId, task });
    const behaviour = this.behaviours.get(workerId) ?? 'hang';
    if (behaviour === 'hang') {
      return new Promise((_, reject) => {
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    }
    if (typeof behaviour === 'number') return Promise.resolve(answer(task, workerId, behaviour));
    return Promise.resolve({ status: behaviour.status, contentType: 'application/problem+json', body: '{"title":"down"}' });
  };

  callsTo(workerId: string): number {
    return this.calls.filter((call) => call.workerId === workerId).length;
  }
}

interface Setup {
  coordinator: Coordinator;
  registry: Registry;
  metrics: CoordinatorMetrics;
  workers: FakeWorkers;
  clock: { now: number };
  /** Registers `id` at a fake endpoint that routes to its behaviour. */
  add(id: string, behaviour: Behaviour): void;
  requests(outcome: string): Promise<number>;
}

function setUp(policy: Partial<HealthPolicy> = {}, options: Partial<CoordinatorOptions> = {}): Setup {
  const clock = { now: Date.parse('2026-12-01T00:00:00Z') };
  const now = () => clock.now;
  const registry = new Registry({ ...DEFAULT_HEALTH_POLICY, ...policy }, now);
  const rounds = new MemoryRoundStore({ limit: 100, maxAgeMs: 3_600_000, now });
  const metrics = new CoordinatorMetrics(registry, () => rounds.size());
  const workers = new FakeWorkers();
  const coordinator = new Coordinator({
    workers: new MemoryWorkerStore(registry),
    metrics,
    rounds,
    sendTask: workers.sendTask,
    logger: createLogger('test', 'silent'),
    defaultTimeoutMs: 50,
    workerTtlMs: 15_000,
    maxFanOut: 256,
    defaultTrim: 0.2,
    defaultMadK: 0,
    signer: generateSigningKey(),
    requireSignatures: false,
    now,
    ...options,
  });
  return {
    coordinator,
    registry,
    metrics,
    workers,
    clock,
    add(id, behaviour) {
      workers.behaviours.set(id, behaviour);
      void coordinator.registerWorker({ id, endpoint: `http://${id}` }, '127.0.0.1');
    },
    async requests(outcome) {
      return valueOf(parsePrometheusText((await metrics.render()).body), 'oracle_requests_total', { outcome });
    },
  };
}

async function problemOf(promise: Promise<unknown>): Promise<ProblemError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ProblemError)) throw new Error(`expected a ProblemError, got ${String(error)}`);
  return error;
}

const socketGuard = vi.fn(() => {
  throw new Error('the Coordinator unit tests must not open sockets');
});

beforeAll(() => {
  vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(socketGuard);
  vi.spyOn(net.Server.prototype, 'listen').mockImplementation(socketGuard);
});
afterAll(() => {
  vi.restoreAllMocks();
  expect(socketGuard).not.toHaveBeenCalled();
});

describe('Coordinator.submitRequest', () => {
  let s: Setup;
  beforeEach(() => {
    s = setUp();
  });

  it('averages every answer into a complete result and counts it as complete', async () => {
    s.add('a', 100);
    s.add('b', 100.2);
    s.add('c', 100.1);
    const result = await s.coordinator.submitRequest({ query: 'BTC/USD' });
    expect(result.final_value).toBeCloseTo(100.1, 10);
    expect(result).toMatchObject({ partial: false, quorum: 2, workers_asked: 3, workers_answered: 3, workers_registered: 3 });
    expect(result.reliability_note).toBe('All workers responded successfully');
    expect(result.worker_responses.map((r) => [r.worker_id, r.reliable])).toEqual([
      ['a', true],
      ['b', true],
      ['c', true],
    ]);
    expect(await s.requests('complete')).toBe(1);
    expect(s.registry.get('a')?.health.stats()).toMatchObject({ tasks: 1, successes: 1 });
  });

  it('returns a partial result below the quorum, naming the workers that failed', async () => {
    s.add('a', 100);
    s.add('b', { status: 500 });
    s.add('c', 'hang');
    const result = await s.coordinator.submitRequest({ query: 'BTC/USD', timeout_ms: 20 });
    expect(result).toMatchObject({ final_value: 100, partial: true, quorum: 2, workers_answered: 1 });
    expect(result.reliability_note).toMatch(/^Warning: partial result, only 1 of 3 workers responded \(quorum 2\)\./);
    expect(result.worker_responses.find((r) => r.worker_id === 'c')?.err).toBe('timed out after 20ms');
    expect(result.worker_responses.find((r) => r.worker_id === 'b')?.err).toBe('HTTP 500: down');
    expect(await s.requests('partial')).toBe(1);
    expect(s.registry.get('c')?.health.stats()).toMatchObject({ timeouts: 1 });
  });

  it('honours min_responses as the quorum', async () => {
    s.add('a', 100);
    s.add('b', 101);
    const result = await s.coordinator.submitRequest({ query: 'BTC/USD', min_responses: 3 });
    expect(result).toMatchObject({ partial: true, quorum: 3 });
  });

  it('answers NO_WORKERS when nobody is registered', async () => {
    const problem = await problemOf(s.coordinator.submitRequest({ query: 'BTC/USD' }));
    expect(problem.code).toBe('NO_WORKERS');
    expect(problem.detail).toMatch(/No worker is registered/);
    expect(await s.requests('no_workers')).toBe(1);
  });

  it('answers NO_USABLE_ANSWER with the breakdown when every worker fails', async () => {
    s.add('a', { status: 503 });
    s.add('b', 'hang');
    const problem = await problemOf(s.coordinator.submitRequest({ query: 'BTC/USD', timeout_ms: 20 }));
    expect(problem.code).toBe('NO_USABLE_ANSWER');
    expect(problem.extensions.worker_responses?.map((r) => r.err)).toEqual(['HTTP 503: down', 'timed out after 20ms']);
    expect(await s.requests('no_usable_answer')).toBe(1);
  });

  it('answers NO_MAJORITY when majority finds no group of more than half', async () => {
    s.add('a', 100);
    s.add('b', 200);
    const problem = await problemOf(s.coordinator.submitRequest({ query: 'BTC/USD', strategy: 'majority' }));
    expect(problem.code).toBe('NO_MAJORITY');
    expect(problem.extensions.worker_responses).toHaveLength(2);
    expect(await s.requests('no_majority')).toBe(1);
  });

  it('refuses new requests once draining, and counts them as shutting_down', async () => {
    s.add('a', 100);
    await s.coordinator.drain(0);
    expect((await problemOf(s.coordinator.submitRequest({ query: 'BTC/USD' }))).code).toBe('SHUTTING_DOWN');
    expect(await s.requests('shutting_down')).toBe(1);
    expect(s.workers.calls).toHaveLength(0);
  });

  it('refuses a request id already in flight, counts it, and frees the id when the first ends', async () => {
    s.add('a', 'hang');
    const first = s.coordinator.submitRequest({ query: 'BTC/USD', request_id: 'req-1', timeout_ms: 30 });
    const second = await problemOf(s.coordinator.submitRequest({ query: 'BTC/USD', request_id: 'req-1' }));
    expect(second.code).toBe('REQUEST_ID_IN_USE');
    expect(await s.requests('request_id_in_use')).toBe(1);
    expect((await problemOf(first)).code).toBe('NO_USABLE_ANSWER');
    s.workers.behaviours.set('a', 100);
    expect((await s.coordinator.submitRequest({ query: 'BTC/USD', request_id: 'req-1' })).request_id).toBe('req-1');
  });

  it('stops the fan-out when the client goes away, counts it abandoned and holds nothing against the workers', async () => {
    s.add('a', 'hang');
    const client = new AbortController();
    const pending = s.coordinator.submitRequest({ query: 'BTC/USD', timeout_ms: 10_000 }, client.signal);
    await vi.waitFor(() => expect(s.workers.calls).toHaveLength(1));
    client.abort();
    const problem = await problemOf(pending);
    expect(problem.extensions.worker_responses?.[0]?.err).toBe('cancelled');
    expect(await s.requests('abandoned')).toBe(1);
    expect(s.registry.get('a')?.health.stats().tasks).toBe(0);
  });

  it('marks an answer far from the consensus unreliable, names it in the note and lowers its score', async () => {
    s.add('a', 100);
    s.add('b', 100.1);
    s.add('c', 120);
    const result = await s.coordinator.submitRequest({ query: 'BTC/USD', strategy: 'median' });
    expect(result.final_value).toBe(100.1);
    expect(result.worker_responses.map((r) => r.reliable)).toEqual([true, true, false]);
    expect(result.reliability_note).toContain('Outliers against the consensus: c (+19.88%)');
    expect(s.registry.get('c')?.health.score).toBeLessThan(s.registry.get('a')?.health.score ?? 0);
  });

  it('drops outliers by MAD rejection before aggregating when mad_k is set', async () => {
    for (const [id, value] of [
      ['a', 100],
      ['b', 100.1],
      ['c', 99.9],
      ['d', 1000],
    ] as const)
      s.add(id, value);
    const result = await s.coordinator.submitRequest({ query: 'BTC/USD', mad_k: 3 });
    expect(result.final_value).toBeCloseTo(100, 10);
    expect(result).toMatchObject({ values_used: 3, values_rejected: 1 });
    expect(result.reliability_note).toContain('Rejected as outliers (MAD, k = 3): d.');
  });
});

describe('Coordinator ejection', () => {
  it('ejects a worker after consecutive failures, skips it until its ejection ends, then asks it again', async () => {
    const s = setUp({ ejectAfterFailures: 2, ejectionBaseMs: 1_000 });
    s.add('a', 100);
    s.add('b', 100);
    s.add('bad', { status: 500 });
    await s.coordinator.submitRequest({ query: 'BTC/USD' });
    await s.coordinator.submitRequest({ query: 'BTC/USD' });
    expect((await s.coordinator.getWorker('bad')).state).toBe('ejected');
    const skipped = await s.coordinator.submitRequest({ query: 'BTC/USD' });
    expect(skipped.worker_responses.map((r) => r.worker_id)).toEqual(['a', 'b']);
    expect(skipped.reliability_note).toContain('Not asked (ejected after repeated failures): bad.');
    expect(s.workers.callsTo('bad')).toBe(2);
    s.clock.now += 1_001;
    await s.coordinator.submitRequest({ query: 'BTC/USD' });
    expect(s.workers.callsTo('bad')).toBe(3);
    expect(valueOf(parsePrometheusText((await s.metrics.render()).body), 'oracle_worker_ejections_total')).toBe(1);
  });

  it('never ejects more than the capped share of the registry', async () => {
    const s = setUp({ ejectAfterFailures: 1, maxEjectedShare: 0.5 });
    for (const id of ['w1', 'w2', 'w3', 'w4']) s.add(id, { status: 500 });
    await problemOf(s.coordinator.submitRequest({ query: 'BTC/USD' }));
    expect(s.registry.ejectedCount()).toBe(2);
    expect((await s.coordinator.listWorkers(100)).workers.filter((w) => w.state === 'active')).toHaveLength(2);
  });

  it('answers NO_WORKERS naming the ejections when every registered worker is ejected', async () => {
    const s = setUp({ ejectAfterFailures: 1, maxEjectedShare: 1 });
    s.add('only', { status: 500 });
    await problemOf(s.coordinator.submitRequest({ query: 'BTC/USD' }));
    const problem = await problemOf(s.coordinator.submitRequest({ query: 'BTC/USD' }));
    expect(problem.code).toBe('NO_WORKERS');
    expect(problem.detail).toBe('All 1 registered workers are ejected after repeated failures; try again shortly');
  });
});

describe('Coordinator committee sampling', () => {
  it('asks only ask_count workers, drawn by the injected random source, and says so', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const s = setUp({}, { random });
    for (let i = 1; i <= 10; i++) s.add(`w${i}`, 100 + i / 100);
    const result: OracleResult = await s.coordinator.submitRequest({ query: 'BTC/USD', ask_count: 3 });
    expect(s.workers.calls).toHaveLength(3);
    expect(new Set(s.workers.calls.map((call) => call.workerId)).size).toBe(3);
    expect(result).toMatchObject({ workers_asked: 3, workers_registered: 10, quorum: 2 });
    expect(result.reliability_note).toBe(
      'All workers responded successfully. Committee of 3 sampled by reliability from 10 registered workers.',
    );
  });

  it('caps the fan-out at maxFanOut when the request sets no ask_count', async () => {
    const s = setUp({}, { maxFanOut: 2 });
    for (const id of ['a', 'b', 'c', 'd']) s.add(id, 100);
    const result = await s.coordinator.submitRequest({ query: 'BTC/USD' });
    expect(result.workers_asked).toBe(2);
    expect(s.workers.calls).toHaveLength(2);
  });
});

describe('Coordinator with a split consensus', () => {
  it('judges nobody in a one-against-one split, says the answers disagree, and lowers no score over 41 requests', async () => {
    const s = setUp();
    s.add('honest', 43_000);
    s.add('liar', 100);
    let result: OracleResult | undefined;
    for (let i = 0; i < 41; i++) result = await s.coordinator.submitRequest({ query: 'BTC/USD' });
    expect(result?.worker_responses.map((r) => r.reliable)).toEqual([true, true]);
    expect(result?.reliability_note).toBe(
      'All workers responded successfully. The answers disagree: no strict majority of them agrees within 0.5%, so none is judged an outlier.',
    );
    expect((await s.coordinator.getWorker('honest')).score).toBe(1);
    expect((await s.coordinator.getWorker('liar')).score).toBe(1);
  });

  it('judges nobody in a two-against-two split either', async () => {
    const s = setUp();
    for (const [id, value] of [
      ['h1', 43_000],
      ['h2', 43_010],
      ['l1', 100],
      ['l2', 100.1],
    ] as const)
      s.add(id, value);
    const result = await s.coordinator.submitRequest({ query: 'BTC/USD', strategy: 'median' });
    expect(result.worker_responses.every((r) => r.reliable)).toBe(true);
    expect(result.reliability_note).toContain('The answers disagree');
    expect((await s.coordinator.listWorkers(100)).workers.map((w) => w.score)).toEqual([1, 1, 1, 1]);
  });

  it('still judges the minority when a strict majority agrees (two against one)', async () => {
    const s = setUp();
    s.add('h1', 43_000);
    s.add('h2', 43_010);
    s.add('liar', 100);
    const result = await s.coordinator.submitRequest({ query: 'BTC/USD' });
    expect(result.worker_responses.map((r) => r.reliable)).toEqual([true, true, false]);
    expect(result.reliability_note).not.toContain('disagree');
    expect((await s.coordinator.getWorker('liar')).score).toBeLessThan(1);
  });
});
