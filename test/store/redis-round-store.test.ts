import { describe, expect, it } from 'vitest';
import type { EvictionReason, RoundStore } from '../../src/coordinator/rounds/round-store.ts';
import type { RedisStoreContext } from '../../src/store/redis/client.ts';
import { RedisRoundStore } from '../../src/store/redis/redis-round-store.ts';
import { connectClient, expectStoreUnavailable, freshPrefix, useRedisStores, withOwnRedis } from '../helpers/redis-stores.ts';
import { describeRoundStore, round } from './round-store-contract.ts';

const redis = useRedisStores();

describeRoundStore('redis', (limits, now) => {
  const evictions: string[] = [];
  const store = new RedisRoundStore(redis.context(), { ...limits, now, onEvict: (reason) => evictions.push(reason) });
  return Promise.resolve({ store, evictions, close: () => Promise.resolve() });
});

const T0 = Date.parse('2026-12-01T00:00:00Z');
/** Limits no test here reaches, and a clock that stands still. */
const OPTIONS = { limit: 10, maxAgeMs: 60_000, now: () => T0 };

/** Every round a store keeps, newest first, read page by page with the cursor. */
async function allPages(store: RoundStore, query?: string): Promise<string[]> {
  const ids: string[] = [];
  for (let page = await store.list({ query, limit: 7 }); ; page = await store.list({ query, limit: 7, before: page.next })) {
    ids.push(...page.rounds.map((r) => r.request_id));
    if (page.next === undefined) return ids;
  }
}

describe('redis round store shared by two coordinators', () => {
  /** Two coordinators: two stores, each with its own connection, on one Redis and one prefix. */
  async function twoCoordinators(limit: number) {
    const first = redis.context();
    const second: RedisStoreContext = { redis: await connectClient(redis.server()), prefix: first.prefix };
    const evictions: EvictionReason[] = [];
    const open = (context: RedisStoreContext) =>
      new RedisRoundStore(context, { limit, maxAgeMs: 60_000, now: () => T0, onEvict: (reason) => evictions.push(reason) });
    const [a, b] = [open(first), open(second)];
    /** The two take turns. */
    const either = (i: number) => (i % 2 === 0 ? a : b);
    return { a, b, either, evictions, close: () => second.redis.quit() };
  }

  it('keeps each of 200 concurrent rounds exactly once, evicting the oldest beyond the limit', async () => {
    const { a, b, either, evictions, close } = await twoCoordinators(150);
    try {
      // Each round has a key of its own, so that latestAnswered tells its seq.
      const ids = Array.from({ length: 200 }, (_, i) => `r${i}`);
      await Promise.all(ids.map((id, i) => either(i).add(round(id, i % 3 === 0 ? 'ETH/USD' : 'BTC/USD', 'complete', T0), `key-${id}`, T0)));
      expect(await a.size()).toBe(150);
      expect(evictions).toEqual(Array.from({ length: 50 }, () => 'count'));

      const kept = await allPages(b);
      expect(new Set(kept).size).toBe(150);
      const seqs = await Promise.all(kept.map(async (id) => (await a.latestAnswered(`key-${id}`, 0))?.seq));
      // Seqs are unique and given in insertion order: the 150 kept are the newest, 51…200, listed newest first.
      expect(seqs).toEqual(Array.from({ length: 150 }, (_, i) => 200 - i));
      const evicted = ids.filter((id) => !kept.includes(id));
      expect(evicted).toHaveLength(50);
      for (const id of evicted) expect(await b.get(id)).toBeUndefined();

      // The per-query pages split the same rounds, in the same order.
      const eth = await allPages(a, 'ETH/USD');
      const btc = await allPages(a, 'BTC/USD');
      expect([...eth, ...btc].sort()).toEqual([...kept].sort());
      expect(eth).toEqual(kept.filter((id) => eth.includes(id)));
      expect(btc).toEqual(kept.filter((id) => btc.includes(id)));
    } finally {
      await close();
    }
  });

  it('keeps one round when both coordinators re-add the same client-chosen id at once', async () => {
    const { a, b, either, close } = await twoCoordinators(100);
    try {
      await Promise.all(Array.from({ length: 40 }, (_, i) => either(i).add(round('same', i % 2 === 0 ? 'BTC/USD' : 'ETH/USD'), 'k', T0)));
      expect(await a.size()).toBe(1);
      expect((await b.list({ limit: 10 })).rounds.map((r) => r.request_id)).toEqual(['same']);
      const query = (await a.get('same'))?.query ?? '';
      expect((await b.list({ query, limit: 10 })).rounds).toHaveLength(1);
      expect((await b.list({ query: query === 'BTC/USD' ? 'ETH/USD' : 'BTC/USD', limit: 10 })).rounds).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe('redis round store beyond the contract', () => {
  it('never serves a round past the age limit as fresh, even before a write has dropped it', async () => {
    const clock = { now: T0 };
    const store = new RedisRoundStore(redis.context(), { limit: 10, maxAgeMs: 1000, now: () => clock.now });
    await store.add(round('a', 'BTC/USD', 'complete', T0), 'k', T0);
    clock.now = T0 + 1500;
    expect(await store.latestAnswered('k', 0)).toBeUndefined();
  });

  it('leaves nothing of a round behind once it has left, whichever way it left', async () => {
    const context = redis.context();
    const clock = { now: T0 };
    const store = new RedisRoundStore(context, { limit: 2, maxAgeMs: 1000, now: () => clock.now });
    await store.add(round('replaced', 'SOL/USD'), 'ks', T0);
    await store.add(round('replaced', 'ETH/USD', 'no_usable_answer'), 'ke', T0);
    for (const [i, query] of ['BTC/USD', 'ETH/USD', 'BTC/USD'].entries()) await store.add(round(`r${i}`, query), `k${i}`, T0);
    clock.now = T0 + 5000;
    expect(await store.size()).toBe(0);
    expect(await context.redis.keys(`${context.prefix}*`)).toEqual([`${context.prefix}rounds:seq`]);
  });

  it('keeps its keys under its prefix, and two prefixes apart', async () => {
    const context = redis.context();
    const store = new RedisRoundStore(context, OPTIONS);
    const other = new RedisRoundStore({ ...context, prefix: freshPrefix() }, OPTIONS);
    await store.add(round('a'), 'k', T0);
    expect(await other.size()).toBe(0);
    const keys = await context.redis.keys(`${context.prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((key) => key.startsWith(`${context.prefix}rounds:`))).toBe(true);
  });
});

describe('redis round store when Redis goes away', () => {
  it(
    'answers STORE_UNAVAILABLE at once while Redis is down, and works again once it is back',
    withOwnRedis({}, async ({ server, redis, restart }) => {
      const store = new RedisRoundStore({ redis, prefix: freshPrefix() }, OPTIONS);
      await store.add(round('before'), 'k', T0);
      await server.stop();
      const operations = [
        () => store.add(round('during'), 'k', T0),
        () => store.get('before'),
        () => store.list({ limit: 10 }),
        () => store.latestAnswered('k', 0),
        () => store.size(),
      ];
      for (const operation of operations) expect(await expectStoreUnavailable(operation)).toBeLessThan(250);

      // The same store, on the same client: the restarted server has no scripts cached (nor, without AOF, any round).
      await restart();
      expect(await store.size()).toBe(0);
      await store.add(round('after'), 'k', T0);
      expect((await store.list({ limit: 10 })).rounds.map((r) => r.request_id)).toEqual(['after']);
    }),
  );

  it(
    'answers STORE_UNAVAILABLE within the command timeout when Redis stops answering, and recovers',
    withOwnRedis({ commandTimeoutMs: 150 }, async ({ server, redis }) => {
      const store = new RedisRoundStore({ redis, prefix: freshPrefix() }, OPTIONS);
      await store.add(round('before'), 'k', T0);
      server.pause();
      try {
        const elapsed = await expectStoreUnavailable(() => store.get('before'));
        expect(elapsed).toBeGreaterThanOrEqual(100);
        // A paused Redis never answers: only the command timeout ends the wait (bounded loosely for a loaded machine).
        expect(elapsed).toBeLessThan(5_000);
      } finally {
        server.resume();
      }
      expect(await store.get('before')).toEqual(round('before'));
    }),
  );

  it(
    'keeps its rounds through a restart of an AOF-backed Redis',
    withOwnRedis({ aof: true }, async ({ server, redis, restart }) => {
      const context = { redis, prefix: freshPrefix() };
      const store = new RedisRoundStore(context, OPTIONS);
      for (const id of ['r1', 'r2', 'r3']) await store.add(round(id, 'BTC/USD', 'complete', T0), `key-${id}`, T0);
      await server.stop();
      await restart();
      expect(await store.size()).toBe(3);

      // A coordinator started after the restart sees the same history, and numbering goes on.
      const later = new RedisRoundStore(context, OPTIONS);
      expect((await later.list({ limit: 10 })).rounds.map((r) => r.request_id)).toEqual(['r3', 'r2', 'r1']);
      expect(await later.get('r2')).toEqual(round('r2', 'BTC/USD', 'complete', T0));
      await later.add(round('r4'), 'key-r4', T0);
      expect((await store.latestAnswered('key-r4', 0))?.seq).toBe(4);
    }),
  );
});
