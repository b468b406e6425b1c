/**
 * What the coordinator keeps about keys, beside the registry: which key each worker id is bound
 * to, the coordinators' own public keys (so that a report signed by any coordinator of a shared
 * store stays verifiable while what it signed may still be served; each running coordinator
 * renews its own, and one not renewed for the retention is dropped, so that the keys of
 * processes long gone are not trusted for ever) and the nonces of recent signed calls (so that
 * none is replayed). The
 * memory store is the default; RedisKeyStore shares all of it between coordinators.
 *
 * A binding outlives the registry entry: a worker that leaves, or is evicted, keeps its id's
 * key, so that nobody can take the id over while it is away. Only an operator removes one.
 */
export type BindOutcome = 'bound' | 'same' | 'mismatch' | 'full';

export interface KeyStore {
  /** The key (base64 of its 32 bytes) `id` is bound to, if any. */
  keyOf(id: string): Promise<string | undefined>;
  /** Binds `id` to `key` unless it is bound already (same or mismatch), or `capacity` ids are bound (full). Atomic. */
  bind(id: string, key: string, capacity: number): Promise<BindOutcome>;
  /** Forgets `id`'s key, so that it may register with a new one; false when it had none. */
  unbind(id: string): Promise<boolean>;
  /** Every binding, as [id, key]. */
  bindings(): Promise<[string, string][]>;
  /** Records that a coordinator signs with `key` now; call it again to keep the key listed. */
  renewCoordinatorKey(key: string, nowMs: number): Promise<void>;
  /** The coordinator keys renewed since `sinceMs`; older ones are forgotten. */
  coordinatorKeys(sinceMs: number): Promise<string[]>;
  /** True the first time `nonce` is claimed for `id` within `ttlMs`; false for a replay. */
  claimNonce(id: string, nonce: string, ttlMs: number): Promise<boolean>;
}

/** Nonces remembered at once, at most: past it a claim is refused (the call is retried with a new one). */
const MAX_NONCES = 1_000_000;

export class MemoryKeyStore implements KeyStore {
  readonly #bindings = new Map<string, string>();
  /** Key → when it was last renewed. */
  readonly #coordinators = new Map<string, number>();
  /** Nonce → when it may be forgotten, in claim order (and so, with one TTL, in expiry order). */
  readonly #nonces = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  keyOf(id: string): Promise<string | undefined> {
    return Promise.resolve(this.#bindings.get(id));
  }

  bind(id: string, key: string, capacity: number): Promise<BindOutcome> {
    const bound = this.#bindings.get(id);
    if (bound !== undefined) return Promise.resolve(bound === key ? 'same' : 'mismatch');
    if (this.#bindings.size >= capacity) return Promise.resolve('full');
    this.#bindings.set(id, key);
    return Promise.resolve('bound');
  }

  unbind(id: string): Promise<boolean> {
    return Promise.resolve(this.#bindings.delete(id));
  }

  bindings(): Promise<[string, string][]> {
    return Promise.resolve([...this.#bindings]);
  }

  renewCoordinatorKey(key: string, nowMs: number): Promise<void> {
    this.#coordinators.set(key, nowMs);
    return Promise.resolve();
  }

  coordinatorKeys(sinceMs: number): Promise<string[]> {
    for (const [key, renewedAt] of this.#coordinators) if (renewedAt < sinceMs) this.#coordinators.delete(key);
    return Promise.resolve([...this.#coordinators.keys()]);
  }

  claimNonce(id: string, nonce: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    for (const [claimed, expiresAt] of this.#nonces) {
      if (expiresAt > now) break;
      this.#nonces.delete(claimed);
    }
    const key = `${id}\n${nonce}`;
    if (this.#nonces.has(key) || this.#nonces.size >= MAX_NONCES) return Promise.resolve(false);
    this.#nonces.set(key, now + ttlMs);
    return Promise.resolve(true);
  }
}
