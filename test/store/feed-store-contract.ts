/**
 * What every FeedStore must do, written once: the in-memory store and the Redis store each run
 * this suite (test/store/*-feed-store.test.ts), so they cannot drift apart.
 */
import { describe, expect, it } from 'vitest';
import type { FeedDefinition } from '../../src/contract/models.ts';
import { PUBLICATIONS_KEPT, type FeedStore, type PollRecord, type Publication } from '../../src/coordinator/feeds/feed-store.ts';

export interface FeedStoreHarness {
  store: FeedStore;
  close: () => Promise<void>;
}

/** Makes an empty store. */
export type FeedStoreFactory = () => Promise<FeedStoreHarness>;

const T0 = Date.parse('2026-12-01T00:00:00Z');

export function definition(query = 'BTC/USD', deviationBps = 50): FeedDefinition {
  return { query, deviation_bps: deviationBps, heartbeat_ms: 60_000, poll_interval_ms: 1000, strategy: 'median' };
}

/** The n-th publication of a feed (from 1), from round `round-<n>`; the first has no deviation, as the service makes it. */
export function publication(feedId: string, n: number): Omit<Publication, 'sequence'> {
  return {
    feedId,
    query: 'BTC/USD',
    value: 42_000 + n / 4,
    roundId: `round-${n}`,
    publishedAtMs: T0 + n * 1000,
    reason: n === 1 ? 'first' : 'deviation',
    deviationBps: n === 1 ? undefined : 61.25,
    workersAnswered: 3,
    spread: 12.5,
  };
}

const NO_POLLS = { total: 0, published: 0, skipped: {}, last: undefined };

export function describeFeedStore(name: string, factory: FeedStoreFactory): void {
  describe(`${name} feed store`, () => {
    /** Runs a test on a fresh store, closing it however the test ends. */
    const withStore = (test: (store: FeedStore) => Promise<void>) => async () => {
      const { store, close } = await factory();
      try {
        await test(store);
      } finally {
        await close();
      }
    };

    /** Publishes publications 1…count of a feed, in order. */
    const publishMany = async (store: FeedStore, feedId: string, count: number): Promise<Publication[]> => {
      const published: Publication[] = [];
      for (let n = 1; n <= count; n++) published.push(await store.publish(publication(feedId, n)));
      return published;
    };

    it(
      'creates a feed, then replaces its definition keeping its creation time and its publications',
      withStore(async (store) => {
        const created = await store.put('btc', definition(), T0);
        expect(created).toEqual({ created: true, record: { feedId: 'btc', definition: definition(), createdAtMs: T0, updatedAtMs: T0 } });
        await store.publish(publication('btc', 1));

        const replaced = await store.put('btc', definition('BTC/USD', 10), T0 + 5000);
        const record = { feedId: 'btc', definition: definition('BTC/USD', 10), createdAtMs: T0, updatedAtMs: T0 + 5000 };
        expect(replaced).toEqual({ created: false, record });
        expect(await store.get('btc')).toEqual(record);
        expect((await store.latest('btc'))?.sequence).toBe(1);
      }),
    );

    it(
      'lists feeds in creation order, gets one, deletes one',
      withStore(async (store) => {
        await store.put('zeta', definition('ETH/USD'), T0);
        await store.put('alpha', definition(), T0 + 1);
        await store.put('zeta', definition('ETH/USD', 20), T0 + 2);
        expect((await store.list()).map((r) => [r.feedId, r.definition.deviation_bps])).toEqual([
          ['zeta', 20],
          ['alpha', 50],
        ]);
        expect(await store.get('missing')).toBeUndefined();
        expect(await store.delete('zeta')).toBe(true);
        expect(await store.delete('zeta')).toBe(false);
        expect(await store.delete('missing')).toBe(false);
        expect(await store.list()).toEqual([{ feedId: 'alpha', definition: definition(), createdAtMs: T0 + 1, updatedAtMs: T0 + 1 }]);
      }),
    );

    it(
      'numbers publications from 1 with no gaps and gives them back newest first',
      withStore(async (store) => {
        await store.put('btc', definition(), T0);
        await store.put('eth', definition('ETH/USD'), T0);
        expect(await store.latest('btc')).toBeUndefined();
        expect(await store.publications('btc', 10)).toEqual([]);

        const published = await publishMany(store, 'btc', 5);
        expect(published).toEqual([1, 2, 3, 4, 5].map((n) => ({ ...publication('btc', n), sequence: n })));
        // Each feed counts on its own.
        expect((await store.publish(publication('eth', 1))).sequence).toBe(1);

        expect(await store.latest('btc')).toEqual(published[4]);
        expect(await store.publications('btc', 3)).toEqual([published[4], published[3], published[2]]);
        expect(await store.publications('btc', 10)).toEqual([...published].reverse());
        expect(await store.publications('btc', 0)).toEqual([]);
        expect(await store.publications('missing', 10)).toEqual([]);
        expect(await store.latest('missing')).toBeUndefined();
      }),
    );

    it(
      `keeps the last ${PUBLICATIONS_KEPT} publications, numbering on`,
      withStore(async (store) => {
        await store.put('btc', definition(), T0);
        await publishMany(store, 'btc', PUBLICATIONS_KEPT + 5);
        const kept = await store.publications('btc', Number.MAX_SAFE_INTEGER);
        expect(kept).toHaveLength(PUBLICATIONS_KEPT);
        expect(kept.at(0)?.sequence).toBe(PUBLICATIONS_KEPT + 5);
        expect(kept.at(-1)).toEqual({ ...publication('btc', 6), sequence: 6 });
        expect(await store.publicationsAfter('btc', 'round-5')).toBeUndefined();
        expect((await store.publish(publication('btc', PUBLICATIONS_KEPT + 6))).sequence).toBe(PUBLICATIONS_KEPT + 6);
        expect((await store.latest('btc'))?.sequence).toBe(PUBLICATIONS_KEPT + 6);
      }),
    );

    it(
      'gives the publications after a round, oldest first; undefined for a round it does not keep',
      withStore(async (store) => {
        await store.put('btc', definition(), T0);
        const published = await publishMany(store, 'btc', 4);
        expect(await store.publicationsAfter('btc', 'round-2')).toEqual([published[2], published[3]]);
        expect(await store.publicationsAfter('btc', 'round-4')).toEqual([]);
        expect(await store.publicationsAfter('btc', 'round-99')).toBeUndefined();
        expect(await store.publicationsAfter('missing', 'round-1')).toBeUndefined();
      }),
    );

    it(
      'counts polls: total, published, skipped by reason, and the last one',
      withStore(async (store) => {
        await store.put('btc', definition(), T0);
        expect(await store.polls('btc')).toEqual(NO_POLLS);
        const polls: PollRecord[] = [
          { atMs: T0 + 1, roundId: 'round-1', published: true, reason: 'first' },
          { atMs: T0 + 2, roundId: 'round-2', published: false, reason: 'unchanged' },
          { atMs: T0 + 3, roundId: 'round-3', published: false, reason: 'unchanged' },
          { atMs: T0 + 4, roundId: 'round-4', published: true, reason: 'deviation' },
          { atMs: T0 + 5, roundId: undefined, published: false, reason: 'no_usable_answer' },
        ];
        for (const poll of polls) await store.recordPoll('btc', poll);
        expect(await store.polls('btc')).toEqual({
          total: 5,
          published: 2,
          skipped: { unchanged: 2, no_usable_answer: 1 },
          last: polls[4],
        });
        expect(await store.polls('missing')).toEqual(NO_POLLS);
      }),
    );

    it(
      'forgets the publications and polls of a deleted feed; one made again under its id starts afresh',
      withStore(async (store) => {
        await store.put('btc', definition(), T0);
        await publishMany(store, 'btc', 3);
        await store.recordPoll('btc', { atMs: T0, roundId: 'round-3', published: true, reason: 'deviation' });
        expect(await store.delete('btc')).toBe(true);
        expect(await store.latest('btc')).toBeUndefined();
        expect(await store.publications('btc', 10)).toEqual([]);
        expect(await store.publicationsAfter('btc', 'round-1')).toBeUndefined();
        expect(await store.polls('btc')).toEqual(NO_POLLS);

        expect((await store.put('btc', definition(), T0 + 9000)).record.createdAtMs).toBe(T0 + 9000);
        expect((await store.publish(publication('btc', 1))).sequence).toBe(1);
      }),
    );

    it(
      'refuses a publication to a feed that is gone, and ignores its late poll: nothing comes back',
      withStore(async (store) => {
        await store.put('btc', definition(), T0);
        await store.delete('btc');
        // A poll that was running when its feed was deleted finishes afterwards.
        await store.recordPoll('btc', { atMs: T0, roundId: 'round-1', published: true, reason: 'first' });
        await expect(store.publish(publication('btc', 1))).rejects.toThrow('btc');
        await expect(store.publish(publication('never', 1))).rejects.toThrow('never');
        expect(await store.get('btc')).toBeUndefined();
        expect(await store.list()).toEqual([]);
        expect(await store.latest('btc')).toBeUndefined();
        expect(await store.publications('btc', 10)).toEqual([]);
        expect(await store.polls('btc')).toEqual(NO_POLLS);
        // Nor does the numbering remember the refused publication.
        await store.put('btc', definition(), T0 + 1);
        expect((await store.publish(publication('btc', 1))).sequence).toBe(1);
      }),
    );
  });
}
