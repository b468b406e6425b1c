/**
 * Where the registry and what the coordinator learns about each worker are kept: the narrow
 * interface both stores implement (this process's memory by default, Redis to share them
 * between coordinators). Requests never wait on the store to choose their workers: they read
 * `view`, a local Registry that the store keeps up to date.
 */
import type { WorkerInfo } from '../contract/models.ts';
import type { PublicKey } from '../signing/ed25519.ts';
import type { Registry, RegisterOutcome, RegistryEntry } from './registry.ts';
import type { TaskOutcome } from './worker-health.ts';

export interface TaskUpdate {
  readonly entry: RegistryEntry;
  readonly outcome: TaskOutcome;
}

export interface Ejection {
  readonly id: string;
  readonly until: number;
  readonly streak: number;
}

export interface EvictedWorker {
  readonly id: string;
  readonly endpoint: string;
  readonly lastSeenMs: number;
}

export interface WorkerPage {
  readonly workers: readonly WorkerInfo[];
  /** The sequence number the next page starts after; undefined on the last page. */
  readonly next: number | undefined;
}

export interface WorkerStore {
  /** What requests read: every registered worker, its endpoint, score and ejection. */
  readonly view: Registry;
  /** See Registry.register (`key` only when the registration was proven by it): WorkerIdTakenError, RegistryFullError, AddressLimitError. */
  register(id: string, endpoint: string, source: string, key?: PublicKey): Promise<RegisterOutcome>;
  /** The new `last_seen`; undefined for an unknown id; WorkerIdTakenError, EndpointMismatchError. */
  heartbeat(id: string, source: string, reportedEndpoint?: string): Promise<number | undefined>;
  deregister(id: string, source: string): Promise<boolean>;
  /** Removes `id` whatever address holds it (an operator's removal); false when it is not registered. */
  remove(id: string): Promise<boolean>;
  /** Removes the workers not heard from for `ttlMs`, each exactly once however many coordinators sweep. */
  evictStale(ttlMs: number): Promise<EvictedWorker[]>;
  /** Learns from one request's tasks (each worker at most once); resolves with the workers it ejected. */
  recordTasks(updates: readonly TaskUpdate[], nowMs: number): Promise<Ejection[]>;
  info(id: string): Promise<WorkerInfo | undefined>;
  page(after: number, limit: number): Promise<WorkerPage>;
  close(): Promise<void>;
}
