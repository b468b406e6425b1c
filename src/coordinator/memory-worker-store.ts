/** The embedded worker store: the registry in this process's memory, its own view. */
import type { WorkerInfo } from '../contract/models.ts';
import type { PublicKey } from '../signing/ed25519.ts';
import type { Registry, RegisterOutcome } from './registry.ts';
import { completesFailureRun } from './worker-health.ts';
import type { Ejection, EvictedWorker, TaskUpdate, WorkerPage, WorkerStore } from './worker-store.ts';

export class MemoryWorkerStore implements WorkerStore {
  constructor(readonly view: Registry) {}

  register(id: string, endpoint: string, source: string, key?: PublicKey): Promise<RegisterOutcome> {
    return settle(() => this.view.register(id, endpoint, source, key));
  }

  heartbeat(id: string, source: string, reportedEndpoint?: string): Promise<number | undefined> {
    return settle(() => this.view.heartbeat(id, source, reportedEndpoint)?.lastSeenMs);
  }

  deregister(id: string, source: string): Promise<boolean> {
    return settle(() => this.view.deregister(id, source));
  }

  remove(id: string): Promise<boolean> {
    return settle(() => this.view.remove(id));
  }

  evictStale(ttlMs: number): Promise<EvictedWorker[]> {
    return settle(() => this.view.evictStale(ttlMs).map(({ id, endpoint, lastSeenMs }) => ({ id, endpoint, lastSeenMs })));
  }

  /** Applied before it returns, so that the next request already sees what this one taught. */
  recordTasks(updates: readonly TaskUpdate[], nowMs: number): Promise<Ejection[]> {
    const { policy } = this.view;
    // Counting the ejected workers goes over the whole registry: only when a failure could eject.
    let budget: number | undefined;
    const ejections: Ejection[] = [];
    for (const { entry, outcome } of updates) {
      const mayEject = completesFailureRun(entry.health.counters, outcome, policy) && (budget ??= this.view.ejectionBudget()) > 0;
      if (entry.health.record(outcome, policy, nowMs, mayEject)) {
        budget = (budget ?? 0) - 1;
        ejections.push({ id: entry.id, until: entry.health.ejectedUntil, streak: entry.health.ejectionStreak });
      }
    }
    return Promise.resolve(ejections);
  }

  info(id: string): Promise<WorkerInfo | undefined> {
    const entry = this.view.get(id);
    return Promise.resolve(entry === undefined ? undefined : this.view.info(entry));
  }

  page(after: number, limit: number): Promise<WorkerPage> {
    const page = this.view.page(after, limit);
    return Promise.resolve({ workers: page.entries.map((entry) => this.view.info(entry)), next: page.next });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The registry's answer as a promise, its refusals as rejections. */
function settle<T>(act: () => T): Promise<T> {
  try {
    return Promise.resolve(act());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
