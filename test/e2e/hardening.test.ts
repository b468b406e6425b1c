/**
 * Defects found by trying the coordinator as a hostile user would (the hardening issue), one
 * test each, over real HTTP on loopback.
 */
import createClient from 'openapi-fetch';
import { afterEach, describe, expect, it } from 'vitest';
import type { paths } from '../../generated/coordinator.ts';
import { parseDuration } from '../../src/contract/duration.ts';
import { parsePrometheusText } from '../helpers/prometheus.ts';
import { Cleanup, register, replyJson, startFakeWorker, startTestCoordinator } from '../helpers/network.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function answer(workerId: string, requestId: string, value: number) {
  return { worker_id: workerId, request_id: requestId, value, response_time: '1ms', reliable: true };
}

async function fakeAnswering(workerId: string, value: number) {
  return cleanup.add(await startFakeWorker((task, res) => replyJson(res, 200, answer(workerId, task.id, value))));
}

describe('the deadline holds when a worker is saturated', () => {
  it(
    'answers within its own deadline although 70 earlier requests fill the hanging worker’s connections',
    { timeout: 30_000 },
    async () => {
      // Ejection would take the hanging worker out after three overloads; keep asking it here.
      const coordinator = cleanup.add(await startTestCoordinator({ ejectAfterFailures: 1000 }));
      const api = createClient<paths>({ baseUrl: coordinator.url });
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
    const api = createClient<paths>({ baseUrl: coordinator.url });
    await register(coordinator.url, 'steady', (await fakeAnswering('steady', 100)).url);
    let release: () => void = () => undefined;
    const leaving = cleanup.add(
      await startFakeWorker((task, res) => {
        const reply = () => replyJson(res, 200, answer('leaving', task.id, 100));
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
