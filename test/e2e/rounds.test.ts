/**
 * Rounds over real HTTP: every answer is kept and can be read back, the history pages newest
 * first and stays within its limits, and requests with `max_age_ms` are served from a fresh
 * round or join one in flight instead of asking the workers again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CoordinatorConfig } from '../../src/coordinator/config.ts';
import { parsePrometheusText, valueOf } from '../helpers/prometheus.ts';
import { coordinatorApi } from '../helpers/clients.ts';
import { answerOf, replyJson, startFakeWorker, type FakeWorker } from '../helpers/fake-workers.ts';
import { Cleanup, register, startTestCoordinator } from '../helpers/network.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A worker that answers `value` after `delayMs`, counting the tasks it gets. */
async function countingWorker(id: string, value: number, delayMs = 0): Promise<FakeWorker> {
  return cleanup.add(
    await startFakeWorker((task, res) => {
      const reply = () => replyJson(res, 200, answerOf(id, task, value));
      if (delayMs === 0) reply();
      else setTimeout(reply, delayMs);
    }),
  );
}

async function setUp(workers: { id: string; value: number; delayMs?: number }[], config: Partial<CoordinatorConfig> = {}) {
  const coordinator = cleanup.add(await startTestCoordinator(config));
  const fakes: FakeWorker[] = [];
  for (const { id, value, delayMs } of workers) {
    const fake = await countingWorker(id, value, delayMs);
    await register(coordinator.url, id, fake.url);
    fakes.push(fake);
  }
  const api = coordinatorApi(coordinator);
  const tasks = () => fakes.reduce((sum, fake) => sum + fake.tasks.length, 0);
  const metrics = async () => parsePrometheusText(await (await fetch(`${coordinator.url}/metrics`)).text());
  return { coordinator, api, fakes, tasks, metrics };
}

const THREE = [
  { id: 'w1', value: 100 },
  { id: 'w2', value: 100.1 },
  { id: 'w3', value: 99.9 },
];

describe('the history of rounds', () => {
  it('keeps every answered request as a round with the very body its client got', async () => {
    const { api } = await setUp(THREE);
    for (const body of [
      { query: 'BTC/USD' },
      { query: 'ETH/USD', strategy: 'median' as const, min_responses: 3 },
      { query: 'BTC/USD', min_responses: 4 },
    ]) {
      const { data: result } = await api.POST('/request', { body });
      const { data: round } = await api.GET('/rounds/{request_id}', { params: { path: { request_id: result?.request_id ?? '' } } });
      expect(round?.result).toEqual(result);
      expect(round).toMatchObject({
        request_id: result?.request_id,
        query: body.query,
        outcome: result?.partial === true ? 'partial' : 'complete',
      });
      expect(round?.parameters).toMatchObject({ strategy: body.strategy ?? 'average', trim: 0.2, mad_k: 0, timeout_ms: 2000 });
      expect(Date.parse(round?.finished_at ?? '')).toBeGreaterThanOrEqual(Date.parse(round?.started_at ?? ''));
    }
  });

  it('keeps a round that ended in a 503 with its code and its breakdown', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    const down = cleanup.add(await startFakeWorker((_task, res) => replyJson(res, 503, { title: 'down' }, 'application/problem+json')));
    await register(coordinator.url, 'w1', down.url);
    const api = coordinatorApi(coordinator);
    const { error } = await api.POST('/request', { body: { query: 'BTC/USD', request_id: 'failed-1' } });
    expect(error?.code).toBe('NO_USABLE_ANSWER');
    const { data: round } = await api.GET('/rounds/{request_id}', { params: { path: { request_id: 'failed-1' } } });
    expect(round).toMatchObject({
      outcome: 'no_usable_answer',
      problem: { code: 'NO_USABLE_ANSWER', status: 503, request_id: 'failed-1' },
    });
    expect(round?.problem?.worker_responses?.[0]?.err).toBe('HTTP 503: down');
    expect(round?.result).toBeUndefined();
  });

  it('answers 404 problem+json for a round it does not have', async () => {
    const { api } = await setUp(THREE);
    const { error, response } = await api.GET('/rounds/{request_id}', { params: { path: { request_id: 'never-was' } } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(error?.code).toBe('ROUND_NOT_FOUND');
  });

  it('pages newest first, by query, with a cursor that continues where the page stopped', async () => {
    const { api } = await setUp(THREE);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      for (const query of ['BTC/USD', 'ETH/USD']) {
        const { data } = await api.POST('/request', { body: { query, request_id: `${query.slice(0, 3)}-${i}` } });
        if (query === 'BTC/USD') ids.push(data?.request_id ?? '');
      }
    }
    const first = (await api.GET('/rounds', { params: { query: { query: 'BTC/USD', limit: 2 } } })).data;
    expect(first?.rounds.map((r) => r.request_id)).toEqual(['BTC-4', 'BTC-3']);
    const second = (await api.GET('/rounds', { params: { query: { query: 'BTC/USD', limit: 2, before: first?.next ?? '' } } })).data;
    expect(second?.rounds.map((r) => r.request_id)).toEqual(['BTC-2', 'BTC-1']);
    const last = (await api.GET('/rounds', { params: { query: { query: 'BTC/USD', limit: 2, before: second?.next ?? '' } } })).data;
    expect(last?.rounds.map((r) => r.request_id)).toEqual(['BTC-0']);
    expect(last?.next).toBeUndefined();
    const everything = (await api.GET('/rounds')).data;
    expect(everything?.rounds.map((r) => r.request_id).slice(0, 3)).toEqual(['ETH-4', 'BTC-4', 'ETH-3']);
    expect(everything?.rounds).toHaveLength(10);
  });

  it('evicts the oldest rounds beyond --history-limit, and counts them', async () => {
    // The age limit is far away so that a slow machine cannot evict by age first.
    const { api, metrics } = await setUp(THREE, { historyLimit: 3, historyMaxAgeMs: 3_600_000 });
    for (let i = 1; i <= 5; i++) await api.POST('/request', { body: { query: 'BTC/USD', request_id: `r${i}` } });
    expect((await api.GET('/rounds')).data?.rounds.map((r) => r.request_id)).toEqual(['r5', 'r4', 'r3']);
    expect((await api.GET('/rounds/{request_id}', { params: { path: { request_id: 'r1' } } })).response.status).toBe(404);
    const samples = await metrics();
    expect(valueOf(samples, 'oracle_rounds_evicted_total', { reason: 'count' })).toBe(2);
    expect(valueOf(samples, 'oracle_rounds_stored')).toBe(3);
  });

  it('evicts rounds past --history-max-age-ms, no sooner, and counts them', async () => {
    const maxAgeMs = 200;
    const { api, metrics } = await setUp(THREE, { historyMaxAgeMs: maxAgeMs });
    await api.POST('/request', { body: { query: 'BTC/USD', request_id: 'r1' } });
    await api.POST('/request', { body: { query: 'BTC/USD', request_id: 'r2' } });
    const lastStarted = Date.now();
    await api.POST('/request', { body: { query: 'BTC/USD', request_id: 'r3' } });
    await expect.poll(async () => (await api.GET('/rounds')).data?.rounds.length, { timeout: 3_000, interval: 20 }).toBe(0);
    // r3 finished after lastStarted, so it cannot have gone before it was maxAgeMs old.
    expect(Date.now() - lastStarted).toBeGreaterThanOrEqual(maxAgeMs);
    const samples = await metrics();
    expect(valueOf(samples, 'oracle_rounds_evicted_total', { reason: 'age' })).toBe(3);
    expect(valueOf(samples, 'oracle_rounds_evicted_total', { reason: 'count' })).toBe(0);
    expect(valueOf(samples, 'oracle_rounds_stored')).toBe(0);
  });
});

describe('freshness-bounded reads (max_age_ms)', () => {
  const SLOW = THREE.map((w) => ({ ...w, delayMs: 150 }));

  it('coalesces 50 concurrent identical requests into one task per worker', async () => {
    const { api, fakes, metrics } = await setUp(SLOW);
    const replies = await Promise.all(
      Array.from({ length: 50 }, () => api.POST('/request', { body: { query: 'BTC/USD', max_age_ms: 1000 } })),
    );
    expect(fakes.map((fake) => fake.tasks.length)).toEqual([1, 1, 1]);
    const served = replies.map((reply) => reply.data?.served_from);
    expect(served.filter((from) => from === 'fan_out')).toHaveLength(1);
    expect(served.filter((from) => from === 'coalesced')).toHaveLength(49);
    expect(new Set(replies.map((reply) => reply.data?.request_id)).size).toBe(1);
    expect(new Set(replies.map((reply) => reply.data?.final_value))).toEqual(new Set([100]));
    const samples = await metrics();
    expect(valueOf(samples, 'oracle_requests_served_total', { served_from: 'coalesced' })).toBe(49);
    expect(valueOf(samples, 'oracle_requests_total', { outcome: 'complete' })).toBe(50);
  });

  it('never shares a round between different queries or strategies', async () => {
    const { api, fakes } = await setUp(SLOW);
    const bodies = [
      { query: 'BTC/USD', max_age_ms: 1000 },
      { query: 'ETH/USD', max_age_ms: 1000 },
      { query: 'BTC/USD', strategy: 'median' as const, max_age_ms: 1000 },
      { query: 'BTC/USD', mad_k: 3, max_age_ms: 1000 },
    ];
    const replies = await Promise.all(bodies.map((body) => api.POST('/request', { body })));
    expect(replies.map((reply) => reply.data?.served_from)).toEqual(['fan_out', 'fan_out', 'fan_out', 'fan_out']);
    expect(fakes.map((fake) => fake.tasks.length)).toEqual([4, 4, 4]);
  });

  it('fans out every request that sets no max_age_ms', async () => {
    const { api, fakes } = await setUp(SLOW);
    const replies = await Promise.all(Array.from({ length: 5 }, () => api.POST('/request', { body: { query: 'BTC/USD' } })));
    expect(replies.map((reply) => reply.data?.served_from)).toEqual(Array(5).fill('fan_out'));
    expect(fakes.map((fake) => fake.tasks.length)).toEqual([5, 5, 5]);
  });

  it('serves a fresh round from history with its age, and fans out again once it is stale', async () => {
    const { api, tasks } = await setUp(THREE);
    const first = (await api.POST('/request', { body: { query: 'BTC/USD', max_age_ms: 60_000 } })).data;
    const again = (await api.POST('/request', { body: { query: 'BTC/USD', strategy: 'average', max_age_ms: 60_000 } })).data;
    expect(again).toMatchObject({ request_id: first?.request_id, final_value: first?.final_value, served_from: 'history' });
    expect(again?.age_ms).toBeGreaterThanOrEqual(0);
    expect(tasks()).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const stale = (await api.POST('/request', { body: { query: 'BTC/USD', max_age_ms: 10 } })).data;
    expect(stale?.served_from).toBe('fan_out');
    expect(stale?.request_id).not.toBe(first?.request_id);
    expect(tasks()).toBe(6);
  });

  it('keeps a coalesced round running when one client leaves, and cancels it when all have', async () => {
    let hangingClosed = 0;
    const hanging = cleanup.add(await startFakeWorker((_task, res) => res.on('close', () => hangingClosed++)));
    const { coordinator, api, fakes } = await setUp(SLOW, { ejectAfterFailures: 1000 });
    await register(coordinator.url, 'hanging', hanging.url);
    const body = { query: 'BTC/USD', max_age_ms: 1000, timeout_ms: 600 };
    const leaving = new AbortController();
    const staying = api.POST('/request', { body });
    await expect.poll(() => hanging.tasks.length).toBe(1);
    const left = api.POST('/request', { body, signal: leaving.signal }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    leaving.abort();
    await left;
    const { data } = await staying;
    expect(data?.workers_answered).toBe(3);
    expect(data?.worker_responses.find((r) => r.worker_id === 'hanging')?.err).toBe('timed out after 600ms');

    // Now every client of a round leaves: its tasks are aborted at once, and it is not kept.
    const clients = Array.from({ length: 3 }, () => new AbortController());
    const started = hanging.tasks.length;
    const pending = clients.map((client) =>
      api.POST('/request', { body: { ...body, query: 'ETH/USD', timeout_ms: 10_000 }, signal: client.signal }).catch(() => undefined),
    );
    await expect.poll(() => hanging.tasks.length).toBe(started + 1);
    const closedBefore = hangingClosed;
    const abortedAt = performance.now();
    for (const client of clients) client.abort();
    await Promise.all(pending);
    // The task is cut long before its 10 s deadline.
    await expect.poll(() => hangingClosed, { timeout: 2_000 }).toBe(closedBefore + 1);
    expect(performance.now() - abortedAt).toBeLessThan(2_000);
    expect((await api.GET('/rounds', { params: { query: { query: 'ETH/USD' } } })).data?.rounds).toEqual([]);
    expect(fakes.every((fake) => fake.tasks.length === 2)).toBe(true);
  });
});

describe('bad input to the history and to max_age_ms', () => {
  it('answers 400 problem+json and leaves the history as it was', async () => {
    const { api } = await setUp(THREE);
    await api.POST('/request', { body: { query: 'BTC/USD', request_id: 'kept' } });
    const before = (await api.GET('/rounds')).data;
    const bad = [
      api.POST('/request', { body: { query: 'BTC/USD', max_age_ms: -1 } }),
      api.POST('/request', { body: { query: 'BTC/USD', max_age_ms: 3_600_001 } }),
      api.POST('/request', { body: { query: 'BTC/USD', max_age_ms: 1000, request_id: 'mine' } }),
      api.GET('/rounds', { params: { query: { before: 'not a cursor' } } }),
      api.GET('/rounds', { params: { query: { before: '0' } } }),
      api.GET('/rounds', { params: { query: { limit: 0 } } }),
      api.GET('/rounds', { params: { query: { limit: 501 } } }),
      api.GET('/rounds', { params: { query: { query: 'bitcoin' } } }),
    ];
    for (const reply of await Promise.all(bad)) {
      expect(reply.response.status, JSON.stringify(reply.error)).toBe(400);
      expect(reply.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(reply.error?.code).toBe('VALIDATION_FAILED');
    }
    expect((await api.GET('/rounds')).data).toEqual(before);
  });
});
