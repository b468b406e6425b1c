/**
 * A small cache of upstream outcomes with coalescing, on lru-cache's `fetchMethod`: for one key
 * (a source's pair) a task gets the outcome of the last call while it is younger than the TTL,
 * or joins the call in flight, or starts one. So a burst of tasks costs one upstream call per
 * key per interval. Failures are cached too, so a failing provider is not asked again by every
 * task either.
 *
 * A task's own abort signal is deliberately not passed to the fetch: the call is shared, and one
 * coordinator hanging up must not fail the others' tasks (lru-cache would abort the call for
 * all). The caller stops waiting on its own; the call ends by its timeout, or by `clear`.
 */
import { LRUCache } from 'lru-cache';
import type { Observation } from '../observer.ts';

/** One upstream call's result: a price (× times, not inverted), or why there is none. */
export type Outcome = Observation;

export interface OutcomeCache {
  get(key: string): Promise<Outcome>;
  /** Aborts the calls in flight (their waiters get a `cancelled` outcome) and forgets everything: the worker is shutting down. */
  clear(): void;
}

export interface OutcomeCacheOptions {
  ttlMs: number;
  /** Keys kept at most (a worker prices a bounded set of pairs). */
  max?: number;
  /** The clock of the TTLs; tests pass their own. */
  now?: () => number;
  /** Makes the upstream call; resolves, never rejects, and stops when `signal` aborts. */
  load: (key: string, signal: AbortSignal) => Promise<Outcome>;
}

const CANCELLED: Outcome = { err: 'cancelled (the worker is shutting down)' };

export function createOutcomeCache(options: OutcomeCacheOptions): OutcomeCache {
  const cache = new LRUCache<string, Outcome>({
    max: options.max ?? 256,
    ttl: options.ttlMs,
    // lru-cache otherwise reuses one reading of the clock for a millisecond of real time, which a clock under test outruns.
    ttlResolution: 0,
    ...(options.now === undefined ? {} : { perf: { now: options.now } }),
    fetchMethod: (key, _stale, { signal }) => options.load(key, signal),
  });
  return {
    async get(key) {
      try {
        return (await cache.fetch(key)) ?? CANCELLED;
      } catch {
        // lru-cache rejects the waiters of a call it aborted (clear, eviction); load itself never rejects.
        return CANCELLED;
      }
    },
    clear: () => cache.clear(),
  };
}
