/**
 * The embedded round store: everything in this process's memory, lost on restart. Rounds sit
 * in insertion order in one queue, and in one queue per query, so that a new round and an
 * eviction are O(1) (amortised) and a page is a bisection plus its own length. Each round is
 * kept packed (packed-round.ts) and rebuilt when it is read.
 */
import { packRound, unpackRound, type PackedRound } from './packed-round.ts';
import type { EvictionReason, Round, RoundListing, RoundPage, RoundStore, RoundStoreLimits, StoredRound } from './round-store.ts';

/** A round as this store keeps it. */
interface KeptRound {
  readonly seq: number;
  readonly key: string;
  readonly finishedAtMs: number;
  readonly packed: PackedRound;
}

export interface MemoryRoundStoreOptions extends RoundStoreLimits {
  now?: () => number;
  /** Told of every round dropped to stay within the limits. */
  onEvict?: (reason: EvictionReason) => void;
}

export class MemoryRoundStore implements RoundStore {
  readonly #all = new SeqQueue();
  readonly #byQuery = new Map<string, SeqQueue>();
  readonly #byId = new Map<string, KeptRound>();
  /** The newest answered round of each key: what a freshness-bounded read looks for. */
  readonly #latestAnswered = new Map<string, KeptRound>();
  /** Those of them read since they came, rebuilt once: freshness-bounded reads come many times a second. */
  readonly #latestRebuilt = new Map<string, StoredRound>();
  #nextSeq = 1;
  readonly #now: () => number;

  constructor(private readonly options: MemoryRoundStoreOptions) {
    this.#now = options.now ?? Date.now;
  }

  add(round: Round, key: string, finishedAtMs: number): Promise<void> {
    const stored: KeptRound = {
      seq: this.#nextSeq++,
      key,
      finishedAtMs,
      packed: packRound(round),
    };
    // A client-chosen id may come back once its first round has finished: the newer one wins.
    const previous = this.#byId.get(round.request_id);
    if (previous !== undefined) this.#forget(previous);
    this.#all.push(stored);
    let perQuery = this.#byQuery.get(round.query);
    if (perQuery === undefined) this.#byQuery.set(round.query, (perQuery = new SeqQueue()));
    perQuery.push(stored);
    this.#byId.set(round.request_id, stored);
    if (round.outcome === 'complete' || round.outcome === 'partial') {
      this.#latestAnswered.set(key, stored);
      this.#latestRebuilt.delete(key);
    }
    this.#expire();
    while (this.#all.length > this.options.limit) this.#evictOldest('count');
    return Promise.resolve();
  }

  get(requestId: string): Promise<Round | undefined> {
    this.#expire();
    const kept = this.#byId.get(requestId);
    return Promise.resolve(kept === undefined ? undefined : unpackRound(kept.packed));
  }

  list(listing: RoundListing): Promise<RoundPage> {
    this.#expire();
    const queue = listing.query === undefined ? this.#all : this.#byQuery.get(listing.query);
    if (queue === undefined) return Promise.resolve({ rounds: [], next: undefined });
    const page = queue.newestBefore(listing.before ?? Number.POSITIVE_INFINITY, listing.limit + 1);
    const more = page.length > listing.limit;
    const rounds = page.slice(0, listing.limit);
    return Promise.resolve({ rounds: rounds.map((kept) => unpackRound(kept.packed)), next: more ? rounds.at(-1)?.seq : undefined });
  }

  latestAnswered(key: string, sinceMs: number): Promise<StoredRound | undefined> {
    const latest = this.#latestAnswered.get(key);
    if (latest === undefined || latest.finishedAtMs < sinceMs) return Promise.resolve(undefined);
    let rebuilt = this.#latestRebuilt.get(key);
    if (rebuilt === undefined) {
      rebuilt = { seq: latest.seq, key, finishedAtMs: latest.finishedAtMs, round: unpackRound(latest.packed) };
      this.#latestRebuilt.set(key, rebuilt);
    }
    return Promise.resolve(rebuilt);
  }

  size(): Promise<number> {
    this.#expire();
    return Promise.resolve(this.#all.length);
  }

  /** Rounds finish in insertion order, so the expired ones are all at the head. */
  #expire(): void {
    const cutoff = this.#now() - this.options.maxAgeMs;
    for (let oldest = this.#all.oldest(); oldest !== undefined && oldest.finishedAtMs < cutoff; oldest = this.#all.oldest()) {
      this.#evictOldest('age');
    }
  }

  #evictOldest(reason: EvictionReason): void {
    const oldest = this.#all.oldest();
    if (oldest === undefined) return;
    this.#forget(oldest);
    this.options.onEvict?.(reason);
  }

  #forget(stored: KeptRound): void {
    const { query, request_id } = stored.packed.shell;
    this.#all.remove(stored);
    const perQuery = this.#byQuery.get(query);
    perQuery?.remove(stored);
    if (perQuery?.length === 0) this.#byQuery.delete(query);
    if (this.#byId.get(request_id) === stored) this.#byId.delete(request_id);
    if (this.#latestAnswered.get(stored.key) === stored) {
      this.#latestAnswered.delete(stored.key);
      this.#latestRebuilt.delete(stored.key);
    }
  }
}

/**
 * Stored rounds in increasing `seq`: appended at the tail, removed mostly from the head (an
 * array with a moving start, compacted now and then). Removing from the middle (a replaced id)
 * leaves a hole that is skipped and compacted away.
 */
class SeqQueue {
  #items: (KeptRound | undefined)[] = [];
  #head = 0;
  #count = 0;

  get length(): number {
    return this.#count;
  }

  push(item: KeptRound): void {
    this.#items.push(item);
    this.#count++;
  }

  oldest(): KeptRound | undefined {
    while (this.#head < this.#items.length && this.#items[this.#head] === undefined) this.#head++;
    return this.#items[this.#head];
  }

  remove(item: KeptRound): void {
    const index = this.#indexOf(item.seq);
    if (this.#items[index] !== item) return;
    this.#items[index] = undefined;
    this.#count--;
    if (index === this.#head) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) this.#compact();
  }

  /** Up to `limit` items with seq below `before`, newest first. */
  newestBefore(before: number, limit: number): KeptRound[] {
    const found: KeptRound[] = [];
    for (let index = this.#indexOf(before) - 1; index >= this.#head && found.length < limit; index--) {
      const item = this.#items[index];
      if (item !== undefined) found.push(item);
    }
    return found;
  }

  /** The first index whose seq is at least `seq` (holes keep their place, so bisect around them). */
  #indexOf(seq: number): number {
    let low = this.#head;
    let high = this.#items.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const probe = this.#seqNear(middle, high);
      if (probe === undefined || probe >= seq) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  /** The seq of the first item at or after `index` (before `end`), for bisecting across holes. */
  #seqNear(index: number, end: number): number | undefined {
    for (let i = index; i < end; i++) {
      const item = this.#items[i];
      if (item !== undefined) return item.seq;
    }
    return undefined;
  }

  #compact(): void {
    this.#items = this.#items.slice(this.#head).filter((item) => item !== undefined);
    this.#head = 0;
  }
}
