/** The worker store in a real Redis: the shared contract, and what only a shared store must do. */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryLimits } from '../../src/coordinator/registry.ts';
import type { HealthPolicy } from '../../src/coordinator/worker-health.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { connectRedis, createRedisClient } from '../../src/store/redis/client.ts';
import { RedisWorkerStore } from '../../src/store/redis/redis-worker-store.ts';
import { startRedis, type RedisServer } from '../helpers/redis.ts';
import { CONTRACT_POLICY, describeWorkerStore } from './worker-store-contract.ts';

const logger = createLogger('test', 'silent');
let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.close());

/** A store on its own connections; stores given the same prefix share one registry. */
async function openStore(prefix: string, policy: HealthPolicy = CONTRACT_POLICY, limits: RegistryLimits = {}, now?: () => number) {
  const clients: Redis[] = [createRedisClient(redis.url, logger, 'test'), createRedisClient(redis.url, logger, 'test-subscriber')];
  await Promise.all(clients.map((client) => connectRedis(client)));
  const [client, subscriber] = clients as [Redis, Redis];
  const store = new RedisWorkerStore({ redis: client, subscriber, prefix, policy, limits, logger, ...(now === undefined ? {} : { now }) });
  await store.start();
  return {
    store,
    close: async () => {
      await store.close();
      for (const c of clients) c.disconnect();
    },
  };
}

describeWorkerStore('redis', (policy, limits, now) => openStore(`test:${randomUUID()}:`, policy, limits, now));

describe('two coordinators on one Redis', () => {
  it('see each other’s registrations and lessons within a second, and evict a silent worker once', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = await openStore(prefix);
    const b = await openStore(prefix);
    try {
      await a.store.register('w1', 'http://127.0.0.1:1', '127.0.0.1');
      await expect.poll(() => b.store.view.get('w1')?.endpoint, { timeout: 1_000, interval: 10 }).toBe('http://127.0.0.1:1');
      const entry = a.store.view.get('w1');
      if (entry === undefined) throw new Error('w1 is not in the view');
      await a.store.recordTasks([{ entry, outcome: { kind: 'failure' } }], Date.now());
      await expect.poll(() => b.store.view.get('w1')?.health.score, { timeout: 1_000, interval: 10 }).toBeCloseTo(0.8, 12);
      // Both sweep; only one of them removes the worker.
      const [first, second] = await Promise.all([a.store.evictStale(-60_000), b.store.evictStale(-60_000)]);
      expect([...first, ...second].map((w) => w.id)).toEqual(['w1']);
      await expect.poll(() => a.store.view.size + b.store.view.size, { timeout: 1_000, interval: 10 }).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('lose no lesson when both learn about the same worker at once', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = await openStore(prefix);
    const b = await openStore(prefix);
    try {
      await a.store.register('w1', 'http://127.0.0.1:1', '127.0.0.1');
      await expect.poll(() => b.store.view.get('w1'), { timeout: 5_000, interval: 10 }).toBeDefined();
      const answer = { kind: 'success', latencyMs: 5, deadlineMs: 1000, deviation: 0 } as const;
      const lessons = (store: RedisWorkerStore) =>
        Array.from({ length: 100 }, () => {
          const entry = store.view.get('w1');
          if (entry === undefined) throw new Error('w1 is not in the view');
          return store.recordTasks([{ entry, outcome: answer }], Date.now());
        });
      await Promise.all([...lessons(a.store), ...lessons(b.store)]);
      expect((await a.store.info('w1'))?.stats).toMatchObject({ tasks: 200, successes: 200 });
      await expect.poll(async () => (await b.store.info('w1'))?.stats?.tasks).toBe(200);
      await expect.poll(() => b.store.view.get('w1')?.health.counters.tasks, { timeout: 1_000, interval: 10 }).toBe(200);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('reloads its view once both of its connections are back, whichever returns last', async () => {
    const prefix = `test:${randomUUID()}:`;
    const other = await openStore(prefix);
    const clients: Redis[] = [createRedisClient(redis.url, logger, 'test'), createRedisClient(redis.url, logger, 'test-subscriber')];
    await Promise.all(clients.map((client) => connectRedis(client)));
    const [client, subscriber] = clients as [Redis, Redis];
    const store = new RedisWorkerStore({ redis: client, subscriber, prefix, policy: CONTRACT_POLICY, limits: {}, logger });
    try {
      await store.start();
      await store.register('w1', 'http://127.0.0.1:1', '127.0.0.1');
      // Both connections drop, and w2 registers meanwhile: its message is lost to this store.
      const ended = clients.map((c) => new Promise((resolve) => c.once('end', resolve)));
      client.disconnect();
      subscriber.disconnect();
      await Promise.all(ended);
      await other.store.register('w2', 'http://127.0.0.1:2', '127.0.0.1');
      // The subscription is back first, and its reload cannot read through the command connection yet.
      await subscriber.connect();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(store.view.entries().map((e) => e.id)).toEqual(['w1']);
      await client.connect();
      await expect.poll(() => store.view.entries().map((e) => e.id), { timeout: 5_000, interval: 50 }).toEqual(['w1', 'w2']);
    } finally {
      await store.close();
      for (const c of clients) c.disconnect();
      await other.close();
    }
  });

  it('answers STORE_UNAVAILABLE while Redis is down, and works again once it is back', async () => {
    const own = await startRedis();
    const clients: Redis[] = [createRedisClient(own.url, logger, 'test'), createRedisClient(own.url, logger, 'test-subscriber')];
    await Promise.all(clients.map((client) => connectRedis(client)));
    const [client, subscriber] = clients as [Redis, Redis];
    const store = new RedisWorkerStore({ redis: client, subscriber, prefix: 'p:', policy: CONTRACT_POLICY, limits: {}, logger });
    try {
      await store.start();
      await store.register('w1', 'http://127.0.0.1:1', '127.0.0.1');
      await own.stop();
      const started = performance.now();
      await expect(store.register('w2', 'http://127.0.0.1:2', '127.0.0.1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      // Refused, not queued until Redis comes back (it comes back only below): a generous bound
      // that a loaded machine cannot break, and a queued command could never meet.
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(store.view.get('w1')).toBeDefined();
      await own.restart();
      await expect
        .poll(
          async () =>
            store.register('w2', 'http://127.0.0.1:2', '127.0.0.1').then(
              () => true,
              () => false,
            ),
          { timeout: 5_000, interval: 100 },
        )
        .toBe(true);
      expect((await store.page(0, 10)).workers.map((w) => w.id)).toEqual(['w2']);
      // The view reloads when the later of its two connections is back: the subscription may be a
      // moment after the commands (each reconnects on its own back-off, up to 1 s apart).
      await expect.poll(() => store.view.entries().map((e) => e.id), { timeout: 10_000, interval: 100 }).toEqual(['w2']);
    } finally {
      await store.close();
      for (const c of clients) c.disconnect();
      await own.close();
    }
  });
});
