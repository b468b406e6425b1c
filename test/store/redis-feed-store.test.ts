import { describe, expect, it } from 'vitest';
import { ProblemError } from '../../src/http/problems.ts';
import { RedisFeedStore } from '../../src/store/redis/redis-feed-store.ts';
import { connectClient, expectStoreUnavailable, freshPrefix, useRedisStores, withOwnRedis } from '../helpers/redis-stores.ts';
import { definition, describeFeedStore, publication } from './feed-store-contract.ts';

const redis = useRedisStores();

describeFeedStore('redis', () => Promise.resolve({ store: new RedisFeedStore(redis.context()), close: () => Promise.resolve() }));

const T0 = Date.parse('2026-12-01T00:00:00Z');

describe('redis feed store shared by two coordinators', () => {
  /** Two coordinators: two stores, each with its own connection, on one Redis and one prefix. */
  async function twoCoordinators() {
    const first = redis.context();
    const second = { redis: await connectClient(redis.server()), prefix: first.prefix };
    const [a, b] = [new RedisFeedStore(first), new RedisFeedStore(second)];
    /** The two take turns. */
    const either = (i: number) => (i % 2 === 0 ? a : b);
    return { a, b, either, keys: () => first.redis.keys(`${first.prefix}*`), close: () => second.redis.quit() };
  }

  it('numbers 100 concurrent publications from both 1…100, with no gap and no duplicate', async () => {
    const { a, b, either, close } = await twoCoordinators();
    try {
      await a.put('btc', definition(), T0);
      const published = await Promise.all(Array.from({ length: 100 }, (_, i) => either(i).publish(publication('btc', i + 1))));
      const sequences = Array.from({ length: 100 }, (_, i) => i + 1);
      expect(published.map((p) => p.sequence).sort((x, y) => x - y)).toEqual(sequences);
      const kept = await b.publications('btc', 1000);
      expect(kept.map((p) => p.sequence)).toEqual([...sequences].reverse());
      // Each kept entry is the publication that was given its sequence.
      for (const entry of kept) expect(published).toContainEqual(entry);
      expect((await a.latest('btc'))?.sequence).toBe(100);
    } finally {
      await close();
    }
  });

  it('never brings back a feed deleted while the other coordinator publishes to it', async () => {
    const { a, b, either, keys, close } = await twoCoordinators();
    try {
      await a.put('btc', definition(), T0);
      await Promise.all(Array.from({ length: 20 }, (_, i) => either(i).publish(publication('btc', i + 1))));
      // b's publications are sent after its delete; a's race it.
      const deleted = b.delete('btc');
      const late = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => either(i).publish(publication('btc', i + 21))));
      expect(await deleted).toBe(true);
      const refused = late.filter((outcome) => outcome.status === 'rejected').map((outcome): unknown => outcome.reason);
      expect(refused.length).toBeGreaterThanOrEqual(20);
      for (const reason of refused) expect(reason).toMatchObject({ code: 'FEED_NOT_FOUND' });
      await a.recordPoll('btc', { atMs: T0, roundId: 'late', published: true, reason: 'deviation' });
      expect(await a.get('btc')).toBeUndefined();
      expect(await keys()).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe('redis feed store beyond the contract', () => {
  it('refuses a publication to a missing feed with FEED_NOT_FOUND', async () => {
    const store = new RedisFeedStore(redis.context());
    const refusal = await store.publish(publication('gone', 1)).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ProblemError);
    expect(refusal).toMatchObject({ code: 'FEED_NOT_FOUND', status: 404 });
  });

  it('keeps its keys under its prefix and leaves none of a deleted feed', async () => {
    const context = redis.context();
    const store = new RedisFeedStore(context);
    await store.put('btc', definition(), T0);
    await store.put('eth', definition('ETH/USD'), T0);
    for (const feedId of ['btc', 'eth']) {
      await store.publish(publication(feedId, 1));
      await store.recordPoll(feedId, { atMs: T0, roundId: 'round-1', published: true, reason: 'first' });
    }
    await store.delete('btc');
    const keys = await context.redis.keys(`${context.prefix}*`);
    expect(keys.sort()).toEqual(['definitions', 'polls:eth', 'publications:eth', 'sequence:eth'].map((k) => `${context.prefix}feeds:${k}`));
  });
});

describe('redis feed store when Redis goes away', () => {
  it(
    'answers STORE_UNAVAILABLE at once while Redis is down, and works again once it is back',
    withOwnRedis({}, async ({ server, redis, restart }) => {
      const store = new RedisFeedStore({ redis, prefix: freshPrefix() });
      await store.put('btc', definition(), T0);
      await server.stop();
      const operations = [
        () => store.list(),
        () => store.get('btc'),
        () => store.put('btc', definition(), T0),
        () => store.delete('btc'),
        () => store.publish(publication('btc', 1)),
        () => store.latest('btc'),
        () => store.publications('btc', 10),
        () => store.publicationsAfter('btc', 'round-1'),
        () => store.recordPoll('btc', { atMs: T0, roundId: undefined, published: false, reason: 'no_usable_answer' }),
        () => store.polls('btc'),
      ];
      for (const operation of operations) expect(await expectStoreUnavailable(operation)).toBeLessThan(250);

      // The same store, on the same client: the restarted server has no scripts cached (nor, without AOF, any feed).
      await restart();
      expect(await store.list()).toEqual([]);
      await store.put('btc', definition(), T0);
      expect((await store.publish(publication('btc', 1))).sequence).toBe(1);
    }),
  );

  it(
    'keeps its feeds through a restart of an AOF-backed Redis',
    withOwnRedis({ aof: true }, async ({ server, redis, restart }) => {
      const context = { redis, prefix: freshPrefix() };
      const store = new RedisFeedStore(context);
      await store.put('btc', definition(), T0);
      for (let n = 1; n <= 3; n++) await store.publish(publication('btc', n));
      await store.recordPoll('btc', { atMs: T0 + 3000, roundId: 'round-3', published: true, reason: 'deviation' });
      await server.stop();
      await restart();

      // A coordinator started after the restart serves the same feed, and numbering goes on.
      const later = new RedisFeedStore(context);
      expect(await later.list()).toEqual([{ feedId: 'btc', definition: definition(), createdAtMs: T0, updatedAtMs: T0 }]);
      expect((await later.publications('btc', 10)).map((p) => p.sequence)).toEqual([3, 2, 1]);
      expect(await later.publicationsAfter('btc', 'round-1')).toEqual([
        { ...publication('btc', 2), sequence: 2 },
        { ...publication('btc', 3), sequence: 3 },
      ]);
      expect(await later.polls('btc')).toEqual({
        total: 1,
        published: 1,
        skipped: {},
        last: { atMs: T0 + 3000, roundId: 'round-3', published: true, reason: 'deviation' },
      });
      expect((await store.publish(publication('btc', 4))).sequence).toBe(4);
    }),
  );
});
