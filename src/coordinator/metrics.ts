/**
 * The coordinator's Prometheus metrics. Each coordinator has its own prom-client registry, so
 * several can live in one process (as they do in the tests) without sharing counters.
 */
import { Counter, Gauge, Histogram, Registry as MetricsRegistry, collectDefaultMetrics } from 'prom-client';
import { DISPATCH_KINDS, type DispatchKind } from './dispatch.ts';
import type { Registry } from './registry.ts';
import type { EvictionReason } from './rounds/round-store.ts';

export type RequestOutcome =
  | 'complete'
  | 'partial'
  | 'no_workers'
  | 'no_usable_answer'
  | 'no_majority'
  | 'shutting_down'
  | 'store_unavailable'
  | 'request_id_in_use'
  | 'abandoned'
  /** A bug: an exception that is not one of the documented problems. */
  | 'error';

export class CoordinatorMetrics {
  readonly registry = new MetricsRegistry();
  readonly #requests = new Counter({
    name: 'oracle_requests_total',
    help: 'Oracle requests answered, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly #requestDuration = new Histogram({
    name: 'oracle_request_duration_seconds',
    help: 'Time from receiving an oracle request to having its answer, by strategy.',
    labelNames: ['strategy'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [this.registry],
  });
  readonly #tasks = new Counter({
    name: 'oracle_worker_tasks_total',
    help: 'Tasks sent to workers, by worker and outcome.',
    labelNames: ['worker_id', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #taskDuration = new Histogram({
    name: 'oracle_worker_task_duration_seconds',
    help: 'Round trip of tasks to workers, by worker.',
    labelNames: ['worker_id'] as const,
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly #evictions = new Counter({
    name: 'oracle_worker_evictions_total',
    help: 'Workers evicted for missing heartbeats.',
    registers: [this.registry],
  });
  readonly #ejections = new Counter({
    name: 'oracle_worker_ejections_total',
    help: 'Temporary ejections after consecutive failures.',
    registers: [this.registry],
  });
  readonly #served = new Counter({
    name: 'oracle_requests_served_total',
    help: 'Answered oracle requests, by where the answer came from (fan_out, coalesced, history).',
    labelNames: ['served_from'] as const,
    registers: [this.registry],
  });
  readonly #roundEvictions = new Counter({
    name: 'oracle_rounds_evicted_total',
    help: 'Rounds dropped from the history to stay within its limits, by reason (count, age).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** `roundCount` reads the size of the history when metrics are scraped. */
  constructor(workers: Registry, roundCount: () => Promise<number> = () => Promise.resolve(0)) {
    new Gauge({
      name: 'oracle_rounds_stored',
      help: 'Rounds kept in the history.',
      registers: [this.registry],
      async collect() {
        this.set(await roundCount());
      },
    });
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'oracle_registered_workers',
      help: 'Workers in the registry.',
      registers: [this.registry],
      collect() {
        this.set(workers.size);
      },
    });
    new Gauge({
      name: 'oracle_ejected_workers',
      help: 'Registered workers currently ejected.',
      registers: [this.registry],
      collect() {
        this.set(workers.ejectedCount());
      },
    });
    new Gauge({
      name: 'oracle_worker_score',
      help: 'Reliability score of each registered worker (0 to 1).',
      labelNames: ['worker_id'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const entry of workers.entries()) this.set({ worker_id: entry.id }, entry.health.score);
      },
    });
  }

  /** `servedFrom` is set for an answered request. */
  recordRequest(outcome: RequestOutcome, strategy: string, seconds: number, servedFrom?: string): void {
    this.#requests.inc({ outcome });
    this.#requestDuration.observe({ strategy }, seconds);
    if (servedFrom !== undefined) this.#served.inc({ served_from: servedFrom });
  }

  recordRoundEviction(reason: EvictionReason): void {
    this.#roundEvictions.inc({ reason });
  }

  recordTask(workerId: string, outcome: DispatchKind, seconds: number): void {
    this.#tasks.inc({ worker_id: workerId, outcome });
    if (outcome === 'success') this.#taskDuration.observe({ worker_id: workerId }, seconds);
  }

  recordEviction(workerId: string): void {
    this.#evictions.inc();
    this.forgetWorker(workerId);
  }

  recordEjection(): void {
    this.#ejections.inc();
  }

  /** Drops a departed worker's series, so the registry of series does not grow without bound. */
  forgetWorker(workerId: string): void {
    for (const outcome of DISPATCH_KINDS) this.#tasks.remove({ worker_id: workerId, outcome });
    this.#taskDuration.remove({ worker_id: workerId });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
