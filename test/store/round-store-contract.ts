/**
 * What every RoundStore must do, written once: the in-memory store and the Redis store each run
 * this suite (test/store/*.test.ts), so they cannot drift apart.
 */
import { describe, expect, it } from 'vitest';
import type { WorkerResult } from '../../src/contract/models.ts';
import type { Round, RoundOutcome, RoundStore, RoundStoreLimits } from '../../src/coordinator/rounds/round-store.ts';

export interface RoundStoreHarness {
  store: RoundStore;
  /** Evictions the store reported, by reason. */
  evictions: string[];
  close: () => Promise<void>;
}

/** Makes an empty store with these limits, reading time from `now`. */
export type RoundStoreFactory = (limits: RoundStoreLimits, now: () => number) => Promise<RoundStoreHarness>;

const T0 = Date.parse('2026-12-01T00:00:00Z');

export function round(id: string, query = 'BTC/USD', outcome: RoundOutcome = 'complete', finishedAtMs = T0): Round {
  const answered = outcome === 'complete' || outcome === 'partial';
  return {
    request_id: id,
    query,
    parameters: { strategy: 'average', trim: 0.2, mad_k: 0, timeout_ms: 2000 },
    started_at: new Date(finishedAtMs - 10).toISOString(),
    finished_at: new Date(finishedAtMs).toISOString(),
    outcome,
    ...(answered
      ? {
          result: {
            request_id: id,
            final_value: 100,
            worker_responses: [{ worker_id: 'w1', request_id: id, value: 100, response_time: '1ms', reliable: true }],
            reliability_note: 'All workers responded successfully',
          },
        }
      : {
          problem: {
            type: 'urn:oracle-network:problem:no-usable-answer',
            title: 'No usable answer',
            status: 503,
            code: 'NO_USABLE_ANSWER',
          },
        }),
  };
}

const SIGNATURE = (c: string) => `${c.repeat(86)}==`;

/**
 * Rounds with every kind of member the coordinator writes, in its order: signed, unsigned and
 * failed responses, a report, a problem's breakdown; and one with a member no store knows.
 */
export function fullRounds(): [full: Round, failed: Round, foreign: Round] {
  const base = (id: string) => ({
    request_id: id,
    query: 'BTC/USD',
    parameters: { strategy: 'median' as const, trim: 0.2, mad_k: 3, timeout_ms: 2000 },
    started_at: new Date(T0 - 10).toISOString(),
    finished_at: new Date(T0).toISOString(),
  });
  const signed = (id: string, worker: string, value: number, c: string, observedAt: string) => ({
    worker_id: worker,
    request_id: id,
    response_time: '3ms',
    value,
    reliable: true,
    observed_at: observedAt,
    signature: SIGNATURE(c),
  });
  return [
    {
      ...base('full'),
      outcome: 'partial',
      result: {
        request_id: 'full',
        final_value: -0,
        worker_responses: [
          signed('full', 'w1', -0, 'A', '2026-12-01T00:00:00.005Z'),
          { worker_id: 'w2', request_id: 'full', response_time: '850µs', value: 0.1 + 0.2, reliable: false },
          { worker_id: 'w3', request_id: 'full', response_time: '2s', value: 0, err: 'timed out after 2000ms', reliable: false },
          // Text that milliseconds and bytes would not give back: an offset, spare bits set.
          signed('full', 'w4', 1e-300, 'B', '2026-12-01T00:00:00.005+00:00'),
        ],
        reliability_note: '2 of 4 workers answered usably',
        partial: true,
        quorum: 3,
        report: {
          version: 1,
          key_id: 'coordinator-key',
          request_id: 'full',
          query: 'BTC/USD',
          strategy: 'median',
          trim: 0.2,
          mad_k: 3,
          tolerance: 0.01,
          final_value: -0,
          observations: [
            { worker_id: 'w1', key_id: 'k1', time_ms: T0 + 5, value: -0, weight: 0.5, signature: SIGNATURE('A') },
            { worker_id: 'w4', key_id: 'k4', time_ms: T0 + 5, value: 1e-300, weight: 1, signature: SIGNATURE('B') },
            // A signature no response carries.
            { worker_id: 'w5', key_id: 'k5', time_ms: T0 + 6, value: 2, weight: 0, signature: SIGNATURE('Q') },
          ],
          signature: SIGNATURE('C'),
        },
      },
    },
    {
      ...base('failed'),
      outcome: 'no_usable_answer',
      problem: {
        type: 'urn:oracle-network:problem:no-usable-answer',
        title: 'No usable answer',
        status: 503,
        code: 'NO_USABLE_ANSWER',
        request_id: 'failed',
        worker_responses: [{ worker_id: 'w1', request_id: 'failed', response_time: '0s', value: 0, err: 'HTTP 500', reliable: false }],
      },
    },
    {
      ...base('foreign'),
      outcome: 'complete',
      result: {
        request_id: 'foreign',
        final_value: 1,
        // A member from elsewhere, and a response about another request: kept as they are.
        worker_responses: [
          { worker_id: 'w1', request_id: 'foreign', response_time: '1ms', value: 1, reliable: true, note: 'x' } as WorkerResult,
          { worker_id: 'w2', request_id: 'elsewhere', response_time: '1ms', value: 1, reliable: true },
        ],
        reliability_note: 'All workers responded successfully',
      },
    },
  ];
}

export function describeRoundStore(name: string, factory: RoundStoreFactory): void {
  describe(`${name} round store`, () => {
    const open = async (limits: Partial<RoundStoreLimits> = {}) => {
      const clock = { now: T0 };
      const harness = await factory({ limit: 100, maxAgeMs: 60_000, ...limits }, () => clock.now);
      return { ...harness, clock };
    };

    it('keeps rounds and gives them back by id, exactly', async () => {
      const { store, close } = await open();
      try {
        const kept = round('r1');
        await store.add(kept, 'k', T0);
        expect(await store.get('r1')).toEqual(kept);
        expect(await store.get('nope')).toBeUndefined();
        expect(await store.size()).toBe(1);
      } finally {
        await close();
      }
    });

    it('gives back every member of a round, in its order, by id, in listings and in the freshness lookup', async () => {
      const { store, close } = await open();
      try {
        const kept = fullRounds();
        for (const [i, r] of kept.entries()) await store.add(r, `k${i}`, T0);
        for (const r of kept) expect(JSON.stringify(await store.get(r.request_id))).toBe(JSON.stringify(r));
        expect(JSON.stringify((await store.list({ limit: 10 })).rounds)).toBe(JSON.stringify([...kept].reverse()));
        expect(JSON.stringify((await store.latestAnswered('k0', T0))?.round)).toBe(JSON.stringify(kept[0]));
      } finally {
        await close();
      }
    });

    it('lists newest first, by query, in pages that continue with the cursor', async () => {
      const { store, close } = await open();
      try {
        for (let i = 1; i <= 5; i++) {
          await store.add(round(`b${i}`, 'BTC/USD'), 'kb', T0);
          await store.add(round(`e${i}`, 'ETH/USD'), 'ke', T0);
        }
        const first = await store.list({ query: 'BTC/USD', limit: 2 });
        expect(first.rounds.map((r) => r.request_id)).toEqual(['b5', 'b4']);
        const second = await store.list({ query: 'BTC/USD', limit: 2, before: first.next });
        expect(second.rounds.map((r) => r.request_id)).toEqual(['b3', 'b2']);
        const last = await store.list({ query: 'BTC/USD', limit: 2, before: second.next });
        expect(last.rounds.map((r) => r.request_id)).toEqual(['b1']);
        expect(last.next).toBeUndefined();
        expect((await store.list({ limit: 3 })).rounds.map((r) => r.request_id)).toEqual(['e5', 'b5', 'e4']);
        expect((await store.list({ query: 'SOL/USD', limit: 3 })).rounds).toEqual([]);
      } finally {
        await close();
      }
    });

    it('evicts the oldest beyond the count limit, and reports it', async () => {
      const { store, evictions, close } = await open({ limit: 3 });
      try {
        for (let i = 1; i <= 5; i++) {
          await store.add(round(`r${i}`), 'k', T0);
          // Within the limit after every add, not only in the end.
          expect(await store.size()).toBe(Math.min(i, 3));
        }
        expect(await store.get('r2')).toBeUndefined();
        expect((await store.list({ limit: 10 })).rounds.map((r) => r.request_id)).toEqual(['r5', 'r4', 'r3']);
        expect(evictions).toEqual(['count', 'count']);
      } finally {
        await close();
      }
    });

    it('drops rounds older than the age limit', async () => {
      const { store, evictions, clock, close } = await open({ maxAgeMs: 1000 });
      try {
        await store.add(round('old', 'BTC/USD', 'complete', T0), 'k', T0);
        clock.now = T0 + 600;
        await store.add(round('new', 'BTC/USD', 'complete', T0 + 600), 'k', T0 + 600);
        clock.now = T0 + 1200;
        expect((await store.list({ limit: 10 })).rounds.map((r) => r.request_id)).toEqual(['new']);
        expect(await store.get('old')).toBeUndefined();
        expect(await store.size()).toBe(1);
        expect(evictions).toEqual(['age']);
      } finally {
        await close();
      }
    });

    it('finds the newest answered round of a key within a freshness bound, never a failed one', async () => {
      const { store, close } = await open();
      try {
        await store.add(round('a1', 'BTC/USD', 'complete', T0), 'k', T0);
        await store.add(round('a2', 'BTC/USD', 'partial', T0 + 100), 'k', T0 + 100);
        await store.add(round('f1', 'BTC/USD', 'no_usable_answer', T0 + 200), 'k', T0 + 200);
        await store.add(round('other', 'BTC/USD', 'complete', T0 + 300), 'other-key', T0 + 300);
        expect((await store.latestAnswered('k', T0 + 50))?.round.request_id).toBe('a2');
        expect((await store.latestAnswered('k', T0 + 50))?.finishedAtMs).toBe(T0 + 100);
        expect(await store.latestAnswered('k', T0 + 150)).toBeUndefined();
        expect(await store.latestAnswered('missing', 0)).toBeUndefined();
        // A newer answer of a key that has been read takes its place.
        await store.add(round('a3', 'BTC/USD', 'complete', T0 + 400), 'k', T0 + 400);
        expect((await store.latestAnswered('k', T0 + 50))?.round.request_id).toBe('a3');
      } finally {
        await close();
      }
    });

    it('forgets an evicted round everywhere: by id, in its query, in the freshness lookup', async () => {
      const { store, close } = await open({ limit: 2 });
      try {
        await store.add(round('a', 'BTC/USD'), 'kb', T0);
        await store.add(round('b', 'ETH/USD'), 'ke', T0);
        expect((await store.latestAnswered('kb', 0))?.round.request_id).toBe('a');
        await store.add(round('c', 'ETH/USD'), 'ke', T0);
        expect(await store.get('a')).toBeUndefined();
        expect((await store.list({ query: 'BTC/USD', limit: 10 })).rounds).toEqual([]);
        expect(await store.latestAnswered('kb', 0)).toBeUndefined();
        expect((await store.latestAnswered('ke', 0))?.round.request_id).toBe('c');
      } finally {
        await close();
      }
    });

    it('continues a listing from a cursor whose round has left since', async () => {
      const { store, close } = await open();
      try {
        for (let i = 1; i <= 4; i++) await store.add(round(`r${i}`), 'k', T0);
        const first = await store.list({ limit: 2 });
        expect(first.rounds.map((r) => r.request_id)).toEqual(['r4', 'r3']);
        // r3 comes back (a client-chosen id): its older round, the one the cursor names, is gone.
        await store.add(round('r3'), 'k', T0);
        const rest = await store.list({ limit: 2, before: first.next });
        expect(rest.rounds.map((r) => r.request_id)).toEqual(['r2', 'r1']);
        expect(rest.next).toBeUndefined();
      } finally {
        await close();
      }
    });

    it('keeps the newer round when a client-chosen id comes back', async () => {
      const { store, close } = await open();
      try {
        await store.add(round('same'), 'k', T0);
        await store.add(round('between'), 'k', T0);
        const newer = { ...round('same'), query: 'ETH/USD' };
        await store.add(newer, 'k2', T0);
        expect(await store.get('same')).toEqual(newer);
        expect((await store.list({ limit: 10 })).rounds.map((r) => r.request_id)).toEqual(['same', 'between']);
        expect((await store.list({ query: 'BTC/USD', limit: 10 })).rounds.map((r) => r.request_id)).toEqual(['between']);
        expect(await store.size()).toBe(2);
      } finally {
        await close();
      }
    });
  });
}
