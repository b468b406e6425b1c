/**
 * The worker registry: one entry per worker id, in registration order. Registering an id again
 * moves it to the new endpoint and keeps its history, so a restarted worker never shows twice.
 * Entries not heard from (registration or heartbeat) within a TTL are evicted by `evictStale`.
 */
import type { WorkerInfo } from '../contract/models.ts';
import { WorkerHealth, type HealthPolicy } from './worker-health.ts';

export interface RegistryEntry {
  readonly id: string;
  endpoint: string;
  lastSeenMs: number;
  readonly registeredAtMs: number;
  readonly health: WorkerHealth;
}

export type RegisterOutcome = 'registered' | 'updated';

export class RegistryFullError extends Error {
  override name = 'RegistryFullError';
  constructor(readonly capacity: number) {
    super(`The registry holds its maximum of ${capacity} workers`);
  }
}

export class Registry {
  readonly #entries = new Map<string, RegistryEntry>();
  /** The entries in order, rebuilt only when membership changes: requests read it without copying. */
  #ordered: readonly RegistryEntry[] = [];

  constructor(
    readonly policy: HealthPolicy,
    private readonly now: () => number = Date.now,
    /** New ids beyond this many are refused; known ids may always re-register. */
    private readonly capacity = Number.POSITIVE_INFINITY,
  ) {}

  /** Throws RegistryFullError for a new id once the registry holds `capacity` workers. */
  register(id: string, endpoint: string): RegisterOutcome {
    const existing = this.#entries.get(id);
    if (existing) {
      existing.endpoint = endpoint;
      existing.lastSeenMs = this.now();
      return 'updated';
    }
    if (this.#entries.size >= this.capacity) throw new RegistryFullError(this.capacity);
    const now = this.now();
    this.#entries.set(id, { id, endpoint, lastSeenMs: now, registeredAtMs: now, health: new WorkerHealth() });
    this.#reorder();
    return 'registered';
  }

  /** Refreshes `last_seen`; undefined when the id is not registered. */
  heartbeat(id: string): RegistryEntry | undefined {
    const entry = this.#entries.get(id);
    if (entry) entry.lastSeenMs = this.now();
    return entry;
  }

  deregister(id: string): boolean {
    const removed = this.#entries.delete(id);
    if (removed) this.#reorder();
    return removed;
  }

  /** Removes and returns the entries last seen more than `ttlMs` ago. */
  evictStale(ttlMs: number): RegistryEntry[] {
    const cutoff = this.now() - ttlMs;
    const stale = [...this.#entries.values()].filter((entry) => entry.lastSeenMs < cutoff);
    for (const entry of stale) this.#entries.delete(entry.id);
    if (stale.length > 0) this.#reorder();
    return stale;
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

  /** Whether one more ejection keeps the ejected share within the policy's cap. */
  canEjectAnother(): boolean {
    return this.ejectedCount() + 1 <= Math.floor(this.policy.maxEjectedShare * this.#entries.size);
  }

  info(entry: RegistryEntry): WorkerInfo {
    const now = this.now();
    const ejected = entry.health.isEjected(now);
    return {
      id: entry.id,
      endpoint: entry.endpoint,
      last_seen: new Date(entry.lastSeenMs).toISOString(),
      reliable: entry.health.isReliable(this.policy),
      score: Math.round(entry.health.score * 1e4) / 1e4,
      state: ejected ? 'ejected' : 'active',
      ...(ejected ? { ejected_until: new Date(entry.health.ejectedUntil).toISOString() } : {}),
      registered_at: new Date(entry.registeredAtMs).toISOString(),
      stats: entry.health.stats(),
    };
  }

  list(): WorkerInfo[] {
    return this.entries().map((entry) => this.info(entry));
  }

  #reorder(): void {
    this.#ordered = [...this.#entries.values()];
  }
}
