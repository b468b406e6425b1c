/**
 * The worker registry: one entry per worker id, in registration order. Registering an id again
 * moves it to the new endpoint and refreshes `last_seen`, so a restarted worker never shows twice.
 */
import type { WorkerInfo } from '../shared/models.ts';

export interface RegistryEntry {
  readonly id: string;
  endpoint: string;
  lastSeen: Date;
  reliable: boolean;
}

export type RegisterOutcome = 'registered' | 'updated';

export class Registry {
  readonly #entries = new Map<string, RegistryEntry>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  register(id: string, endpoint: string): RegisterOutcome {
    const existing = this.#entries.get(id);
    if (existing) {
      existing.endpoint = endpoint;
      existing.lastSeen = this.now();
      return 'updated';
    }
    this.#entries.set(id, { id, endpoint, lastSeen: this.now(), reliable: true });
    return 'registered';
  }

  get(id: string): RegistryEntry | undefined {
    return this.#entries.get(id);
  }

  get size(): number {
    return this.#entries.size;
  }

  entries(): RegistryEntry[] {
    return [...this.#entries.values()];
  }

  list(): WorkerInfo[] {
    return this.entries().map(toWorkerInfo);
  }
}

function toWorkerInfo(entry: RegistryEntry): WorkerInfo {
  return { id: entry.id, endpoint: entry.endpoint, last_seen: entry.lastSeen.toISOString(), reliable: entry.reliable };
}
