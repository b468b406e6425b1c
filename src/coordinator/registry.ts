/**
 * The worker registry: one entry per worker id, in registration order. Registering an id again
 * moves it to the new endpoint and keeps its history, so a restarted worker never shows twice.
 * Entries not heard from (registration or heartbeat) within a TTL are evicted by `evictStale`.
 *
 * An id belongs to the network address it was first registered from until it is deregistered
 * or evicted: registering, heartbeating or deregistering it from another address is refused.
 * That is what stops a holder of the shared registration token from moving a worker that runs
 * elsewhere to an endpoint of its own (and collecting the task token there). A worker that
 * registered with a key may move: a registration proven by that key (worker-auth.ts) takes the
 * id to its new address. Each address may hold a bounded number of ids.
 */
import type { WorkerInfo } from '../contract/models.ts';
import { parsePublicKey, type PublicKey } from '../signing/ed25519.ts';
import { statsOf, WorkerHealth, type HealthCounters, type HealthPolicy } from './worker-health.ts';

export interface RegistryEntry {
  readonly id: string;
  endpoint: string;
  lastSeenMs: number;
  readonly registeredAtMs: number;
  readonly health: WorkerHealth;
  /** The address the id was registered from (::1 and 127.0.0.1 count as one). */
  source: string;
  /** The key its answers are signed with; undefined for a worker that registered without one. */
  key: PublicKey | undefined;
  /** Registration order, for stable paging: grows with every new entry, never reused. */
  readonly seq: number;
}

export type RegisterOutcome = { kind: 'registered' } | { kind: 'updated'; previousEndpoint: string };

export interface RegistryLimits {
  /** New ids beyond this many are refused; known ids may always re-register. */
  capacity?: number;
  /** Most ids registered from one address at a time. */
  perAddress?: number;
}

export interface RegistryPage {
  readonly entries: readonly RegistryEntry[];
  /** The sequence number the next page starts after; undefined on the last page. */
  readonly next: number | undefined;
}

export class RegistryFullError extends Error {
  override name = 'RegistryFullError';
  constructor(readonly capacity: number) {
    super(`The registry holds its maximum of ${capacity} workers`);
  }
}

export class AddressLimitError extends Error {
  override name = 'AddressLimitError';
  constructor(readonly limit: number) {
    super(`This address already holds the most workers one address may register (${limit})`);
  }
}

/** The id is registered from another address. */
export class WorkerIdTakenError extends Error {
  override name = 'WorkerIdTakenError';
  constructor(readonly id: string) {
    super(`Worker ${id} is registered from another address`);
  }
}

/** A heartbeat from a worker that believes it is at another endpoint than the registered one. */
export class EndpointMismatchError extends Error {
  override name = 'EndpointMismatchError';
  constructor(
    readonly registered: string,
    readonly reported: string,
  ) {
    super(`registered at ${registered}, not ${reported}`);
  }
}

export class Registry {
  readonly #entries = new Map<string, RegistryEntry>();
  /** The entries in order, rebuilt only when membership changes: requests read it without copying. */
  #ordered: readonly RegistryEntry[] = [];
  readonly #idsPerSource = new Map<string, number>();
  #nextSeq = 1;
  readonly #capacity: number;
  readonly #perAddress: number;

  constructor(
    readonly policy: HealthPolicy,
    private readonly now: () => number = Date.now,
    limits: RegistryLimits = {},
  ) {
    this.#capacity = limits.capacity ?? Number.POSITIVE_INFINITY;
    this.#perAddress = limits.perAddress ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Registers a new id, or moves a known one to `endpoint`. `key` is the worker's key, given
   * only when the registration was proven by it: then the id may move from another address.
   * Throws WorkerIdTakenError when the id belongs to another address, RegistryFullError or
   * AddressLimitError for a new id (or a move) over a cap.
   */
  register(id: string, endpoint: string, source: string, key?: PublicKey): RegisterOutcome {
    const existing = this.#entries.get(id);
    const owner = sourceKey(source);
    const now = this.now();
    if (existing) {
      if (existing.source !== owner) {
        if (key === undefined || existing.key?.raw !== key.raw) throw new WorkerIdTakenError(id);
        this.#claim(owner);
        this.#release(existing.source);
        existing.source = owner;
      }
      const previousEndpoint = existing.endpoint;
      existing.endpoint = endpoint;
      existing.lastSeenMs = now;
      if (key !== undefined) existing.key = key;
      return { kind: 'updated', previousEndpoint };
    }
    if (this.#entries.size >= this.#capacity) throw new RegistryFullError(this.#capacity);
    this.#claim(owner);
    const entry: RegistryEntry = {
      id,
      endpoint,
      lastSeenMs: now,
      registeredAtMs: now,
      health: new WorkerHealth(),
      source: owner,
      key,
      seq: this.#nextSeq++,
    };
    this.#entries.set(id, entry);
    this.#reorder();
    return { kind: 'registered' };
  }

  /** Removes `id` whoever holds it (an operator's removal); false when it is not registered. */
  remove(id: string): boolean {
    const entry = this.#entries.get(id);
    if (!entry) return false;
    this.#remove([entry]);
    return true;
  }

  /**
   * Refreshes `last_seen`; undefined when the id is not registered, WorkerIdTakenError from
   * another address, EndpointMismatchError (and no refresh) when the worker reports an endpoint
   * other than the registered one.
   */
  heartbeat(id: string, source: string, reportedEndpoint?: string): RegistryEntry | undefined {
    const entry = this.#ownedBy(id, source);
    if (!entry) return undefined;
    if (reportedEndpoint !== undefined && reportedEndpoint !== entry.endpoint)
      throw new EndpointMismatchError(entry.endpoint, reportedEndpoint);
    entry.lastSeenMs = this.now();
    return entry;
  }

  /** False when the id is not registered; WorkerIdTakenError from another address. */
  deregister(id: string, source: string): boolean {
    const entry = this.#ownedBy(id, source);
    if (!entry) return false;
    this.#remove([entry]);
    return true;
  }

  /** Removes and returns the entries last seen more than `ttlMs` ago. */
  evictStale(ttlMs: number): RegistryEntry[] {
    const cutoff = this.now() - ttlMs;
    const stale = this.#ordered.filter((entry) => entry.lastSeenMs < cutoff);
    this.#remove(stale);
    return stale;
  }

  /** Up to `limit` entries in registration order, after sequence number `after` (0 for the first page). */
  page(after: number, limit: number): RegistryPage {
    const ordered = this.#ordered;
    // The entries are in seq order, so the page's start is found by bisection.
    let low = 0;
    let high = ordered.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((ordered[middle] as RegistryEntry).seq <= after) low = middle + 1;
      else high = middle;
    }
    const entries = ordered.slice(low, low + limit);
    const last = entries.at(-1);
    return { entries, next: last !== undefined && low + limit < ordered.length ? last.seq : undefined };
  }

  get(id: string): RegistryEntry | undefined {
    return this.#entries.get(id);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Every entry in registration order; the same array until membership changes, so do not keep it. */
  entries(): readonly RegistryEntry[] {
    return this.#ordered;
  }

  ejectedCount(): number {
    const now = this.now();
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.health.isEjected(now)) count++;
    return count;
  }

  /**
   * How many more workers may be ejected now, within the policy's cap on the ejected share. A
   * pass over every entry: for when a failure could eject, not for every request.
   */
  ejectionBudget(): number {
    return Math.max(0, Math.floor(this.policy.maxEjectedShare * this.#entries.size) - this.ejectedCount());
  }

  info(entry: RegistryEntry): WorkerInfo {
    return workerInfoOf(
      { ...entry, keyId: entry.key?.keyId },
      entry.health.counters,
      entry.health.recentLatencies(),
      this.policy,
      this.now(),
    );
  }

  /**
   * Takes a worker as another store holds it (a shared store's view of its registry): adds it,
   * or updates the entry in place, so that requests holding the entry see the change.
   */
  mirror(record: WorkerRecord): void {
    const existing = this.#entries.get(record.id);
    // Parsing a key is not free, and the same one comes with every update of the worker.
    const key = record.key === undefined ? undefined : existing?.key?.raw === record.key ? existing.key : parsePublicKey(record.key);
    if (existing !== undefined && existing.seq === record.seq) {
      existing.endpoint = record.endpoint;
      existing.lastSeenMs = record.lastSeenMs;
      existing.key = key;
      if (existing.source !== record.source) {
        this.#release(existing.source);
        this.#count(record.source);
        existing.source = record.source;
      }
      existing.health.replace(record.health);
      return;
    }
    if (existing !== undefined) this.#remove([existing]);
    const { id, endpoint, source, seq, registeredAtMs, lastSeenMs } = record;
    this.#entries.set(id, { id, endpoint, source, seq, registeredAtMs, lastSeenMs, key, health: new WorkerHealth(record.health) });
    this.#count(record.source);
    this.#nextSeq = Math.max(this.#nextSeq, record.seq + 1);
    this.#reorder();
  }

  /** Drops a worker that another store no longer holds. */
  forget(id: string): RegistryEntry | undefined {
    const entry = this.#entries.get(id);
    if (entry !== undefined) this.#remove([entry]);
    return entry;
  }

  /** The entry of `id` if `source` may act for it; WorkerIdTakenError when another address holds it. */
  #ownedBy(id: string, source: string): RegistryEntry | undefined {
    const entry = this.#entries.get(id);
    if (entry !== undefined && entry.source !== sourceKey(source)) throw new WorkerIdTakenError(id);
    return entry;
  }

  /** One more id held by `owner`; AddressLimitError when it holds its share already. */
  #claim(owner: string): void {
    if ((this.#idsPerSource.get(owner) ?? 0) >= this.#perAddress) throw new AddressLimitError(this.#perAddress);
    this.#count(owner);
  }

  /** One more id held by `owner`, past any limit: what another store already decided. */
  #count(owner: string): void {
    this.#idsPerSource.set(owner, (this.#idsPerSource.get(owner) ?? 0) + 1);
  }

  #release(owner: string): void {
    const left = (this.#idsPerSource.get(owner) ?? 1) - 1;
    if (left === 0) this.#idsPerSource.delete(owner);
    else this.#idsPerSource.set(owner, left);
  }

  #remove(entries: readonly RegistryEntry[]): void {
    if (entries.length === 0) return;
    for (const entry of entries) {
      this.#entries.delete(entry.id);
      this.#release(entry.source);
    }
    this.#reorder();
  }

  #reorder(): void {
    // Mirrored entries may arrive out of registration order; pages and committees want it.
    this.#ordered = [...this.#entries.values()].sort((a, b) => a.seq - b.seq);
  }
}

/** A registry entry as plain data, the way a store keeps it. */
export interface WorkerRecord {
  readonly id: string;
  readonly endpoint: string;
  readonly source: string;
  readonly seq: number;
  readonly registeredAtMs: number;
  readonly lastSeenMs: number;
  readonly health: HealthCounters;
  /** base64 of the worker's public key, if it registered with one. */
  readonly key?: string | undefined;
}

/** The wire form of a registry entry. */
export function workerInfoOf(
  worker: Pick<RegistryEntry, 'id' | 'endpoint' | 'lastSeenMs' | 'registeredAtMs'> & { readonly keyId?: string | undefined },
  health: HealthCounters,
  recentLatencies: readonly number[],
  policy: HealthPolicy,
  nowMs: number,
): WorkerInfo {
  const ejected = health.ejectedUntil > nowMs;
  return {
    id: worker.id,
    endpoint: worker.endpoint,
    last_seen: new Date(worker.lastSeenMs).toISOString(),
    reliable: health.score >= policy.reliableThreshold,
    score: Math.round(health.score * 1e4) / 1e4,
    state: ejected ? 'ejected' : 'active',
    ...(ejected ? { ejected_until: new Date(health.ejectedUntil).toISOString() } : {}),
    registered_at: new Date(worker.registeredAtMs).toISOString(),
    ...(worker.keyId === undefined ? {} : { key_id: worker.keyId }),
    stats: statsOf(health, recentLatencies),
  };
}

/**
 * Who a client address stands for: a local process reaches `localhost` over IPv4 or IPv6 as it
 * happens to resolve, so ::1 is 127.0.0.1; an IPv4-mapped IPv6 address is its IPv4 address.
 */
export function sourceKey(address: string): string {
  const bare = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return bare === '::1' ? '127.0.0.1' : bare.toLowerCase();
}
