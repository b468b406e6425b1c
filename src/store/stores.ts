/**
 * Everything the coordinator keeps, in the store its configuration names: this process's
 * memory (the default: nothing else to run, nothing shared, all gone on restart) or Redis
 * (shared by every coordinator on the same Redis and prefix, kept as long as Redis keeps it).
 */
import { LocalFeedBus, LocalFeedLeases, type FeedBus, type FeedLeases } from '../coordinator/feeds/feed-coordination.ts';
import type { FeedStore } from '../coordinator/feeds/feed-store.ts';
import { MemoryFeedStore } from '../coordinator/feeds/memory-feed-store.ts';
import { MemoryKeyStore, type KeyStore } from '../coordinator/key-store.ts';
import { MemoryWorkerStore } from '../coordinator/memory-worker-store.ts';
import { Registry, type RegistryLimits } from '../coordinator/registry.ts';
import { MemoryRoundStore } from '../coordinator/rounds/memory-round-store.ts';
import type { EvictionReason, RoundStore } from '../coordinator/rounds/round-store.ts';
import type { HealthPolicy } from '../coordinator/worker-health.ts';
import type { WorkerStore } from '../coordinator/worker-store.ts';
import type { Logger } from '../logging/logger.ts';

export interface StoreSettings {
  /** "memory", or a Redis URL (redis://host:port/db). */
  readonly store: string;
  /** What every Redis key starts with. */
  readonly prefix: string;
  readonly policy: HealthPolicy;
  readonly registryLimits: RegistryLimits;
  readonly history: { readonly limit: number; readonly maxAgeMs: number };
  /** How long a feed's lease lasts unless its holder renews it. */
  readonly feedLeaseMs: number;
  readonly onRoundEvicted: (reason: EvictionReason) => void;
}

export interface Stores {
  readonly workers: WorkerStore;
  readonly rounds: RoundStore;
  readonly feeds: FeedStore;
  readonly leases: FeedLeases;
  readonly bus: FeedBus;
  /** Worker key bindings, coordinator keys and call nonces. */
  readonly keys: KeyStore;
  /** Whether the store answers now (always, in memory): readiness and requests ask this. */
  isReady(): boolean;
  close(): Promise<void>;
}

export function isMemoryStore(store: string): boolean {
  return store === 'memory';
}

export async function openStores(settings: StoreSettings, logger: Logger): Promise<Stores> {
  if (isMemoryStore(settings.store)) {
    return {
      workers: new MemoryWorkerStore(new Registry(settings.policy, Date.now, settings.registryLimits)),
      rounds: new MemoryRoundStore({ ...settings.history, onEvict: settings.onRoundEvicted }),
      feeds: new MemoryFeedStore(),
      leases: new LocalFeedLeases(),
      bus: new LocalFeedBus(),
      keys: new MemoryKeyStore(),
      isReady: () => true,
      close: () => Promise.resolve(),
    };
  }
  // Loaded only when asked for: ioredis and the Redis stores are megabytes a memory store never needs.
  const { openRedisStores } = await import('./redis/redis-stores.ts');
  return openRedisStores(settings, logger);
}
