/**
 * The coordinator's logic, free of HTTP: it keeps the registry, turns a client's submission into
 * a task for every active worker, turns their answers into an OracleResult or a problem, learns
 * from each task how far to trust each worker, and drains for shutdown.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { v4 as uuidv4 } from 'uuid';
import type { Logger } from '../logging/logger.ts';
import type { OracleRequestSubmission, OracleResult, RegistrationAck, WorkerInfo, WorkerRegistration } from '../contract/models.ts';
import type { components } from '../../generated/coordinator.ts';
import { ProblemError } from '../http/problems.ts';
import { aggregate, aggregateWeightedMedian, interquartileRange, rejectOutliersMad } from './aggregator.ts';
import { Cancellation, dispatchToWorkers, type DispatchedTask } from './dispatch.ts';
import type { CoordinatorMetrics, RequestOutcome } from './metrics.ts';
import { buildReliabilityNote, describeFailures, majorityOf } from './reliability-note.ts';
import { sampleCommittee } from './committee.ts';
import { RegistryFullError, type Registry, type RegistryEntry } from './registry.ts';
import type { SendTask } from './task-client.ts';

type HeartbeatAck = components['schemas']['HeartbeatAck'];

export interface CoordinatorOptions {
  registry: Registry;
  sendTask: SendTask;
  logger: Logger;
  metrics: CoordinatorMetrics;
  /** Deadline of a request that does not set `timeout_ms`. */
  defaultTimeoutMs: number;
  /** Workers not heard from for this long are evicted by `evictStale`. */
  workerTtlMs: number;
  /** Most workers asked when a request sets no `ask_count`. */
  maxFanOut: number;
  /** Draws committee samples; Math.random unless a test pins it. */
  random?: () => number;
  /** `trimmed_mean`'s trim when a request sets none. */
  defaultTrim: number;
  /** MAD rejection's k when a request sets none; 0 turns rejection off. */
  defaultMadK: number;
  now?: () => number;
}

export class Coordinator {
  readonly #shutdown = new AbortController();
  #draining = false;
  /** Ids of the requests being dispatched: draining waits for them, and a client-chosen id cannot mix two. */
  readonly #inFlight = new Set<string>();
  #idleWaiters: (() => void)[] = [];
  readonly #now: () => number;

  constructor(private readonly options: CoordinatorOptions) {
    this.#now = options.now ?? Date.now;
  }

  get draining(): boolean {
    return this.#draining;
  }

  registerWorker(registration: WorkerRegistration): RegistrationAck {
    let outcome;
    try {
      outcome = this.options.registry.register(registration.id, registration.endpoint);
    } catch (error) {
      if (error instanceof RegistryFullError) throw new ProblemError('REGISTRY_FULL', `${error.message}; deregister one first`);
      throw error;
    }
    this.options.logger.info({ worker_id: registration.id, endpoint: registration.endpoint, outcome }, 'worker registered');
    return { status: 'registered', message: `Worker ${registration.id} successfully registered` };
  }

  recordHeartbeat(id: string): HeartbeatAck {
    const entry = this.options.registry.heartbeat(id);
    if (!entry) throw notRegistered(id);
    return { status: 'alive', last_seen: new Date(entry.lastSeenMs).toISOString() };
  }

  deregisterWorker(id: string): void {
    if (!this.options.registry.deregister(id)) throw notRegistered(id);
    this.options.metrics.forgetWorker(id);
    this.options.logger.info({ worker_id: id }, 'worker deregistered');
  }

  getWorker(id: string): WorkerInfo {
    const entry = this.options.registry.get(id);
    if (!entry) throw notRegistered(id);
    return this.options.registry.info(entry);
  }

  listWorkers(): WorkerInfo[] {
    return this.options.registry.list();
  }

  /** Evicts the workers whose heartbeats stopped; returns how many went. */
  evictStale(): number {
    const evicted = this.options.registry.evictStale(this.options.workerTtlMs);
    for (const entry of evicted) {
      this.options.metrics.recordEviction(entry.id);
      this.options.logger.warn(
        { worker_id: entry.id, endpoint: entry.endpoint, last_seen: new Date(entry.lastSeenMs).toISOString() },
        'stale worker evicted',
      );
    }
    return evicted.length;
  }

  /**
   * Throws a ProblemError when there is no answer to give. `clientSignal` aborts when the client
   * has gone, which stops the fan-out at once.
   */
  async submitRequest(submission: OracleRequestSubmission, clientSignal?: AbortSignal): Promise<OracleResult> {
    const started = performance.now();
    const strategy = submission.strategy ?? 'average';
    const finish = (outcome: RequestOutcome) => this.options.metrics.recordRequest(outcome, strategy, (performance.now() - started) / 1000);
    if (this.#draining) {
      finish('shutting_down');
      throw new ProblemError('SHUTTING_DOWN', 'The service is shutting down and accepts no new work');
    }
    const { registry } = this.options;
    const registered = registry.entries();
    const now = this.#now();
    const committeeSize = submission.ask_count ?? this.options.maxFanOut;
    const isActive = (entry: RegistryEntry) => !entry.health.isEjected(now);
    // A committee smaller than the registry is drawn without looking at every entry; only when
    // everyone is asked anyway are the ejected ones counted out and named.
    const sampled = committeeSize < registered.length;
    const targets = sampled
      ? sampleCommittee(registered, committeeSize, (entry) => entry.health.score, this.options.random, isActive)
      : registered.filter(isActive);
    if (targets.length === 0) {
      finish('no_workers');
      throw new ProblemError(
        'NO_WORKERS',
        registered.length === 0
          ? 'No worker is registered with the coordinator, so there is nobody to ask'
          : `All ${registered.length} registered workers are ejected after repeated failures; try again shortly`,
      );
    }
    const ejected = sampled ? [] : registered.filter((entry) => !isActive(entry)).map((entry) => entry.id);
    const timeoutMs = submission.timeout_ms ?? this.options.defaultTimeoutMs;
    const task = {
      id: submission.request_id ?? uuidv4(),
      query: submission.query,
      ...(submission.as_of ? { as_of: submission.as_of } : {}),
    };
    if (this.#inFlight.has(task.id)) {
      throw new ProblemError('REQUEST_ID_IN_USE', `Request ${task.id} is still in flight; choose another id`);
    }
    const log = this.options.logger.child({ request_id: task.id });
    log.info(
      { query: task.query, strategy, workers: targets.length, ejected: ejected.length, timeout_ms: timeoutMs },
      'dispatching request',
    );

    const dispatched = await this.#track(task.id, () =>
      dispatchToWorkers(targets, task, {
        timeoutMs,
        sendTask: this.options.sendTask,
        cancelSignals: clientSignal ? [clientSignal, this.#shutdown.signal] : [this.#shutdown.signal],
      }),
    );
    const abandoned = clientSignal?.aborted === true;
    const answers = dispatched.filter((d) => d.kind === 'success');
    const madK = submission.mad_k ?? this.options.defaultMadK;
    const rejectedFlags =
      madK > 0 && answers.length > 0
        ? rejectOutliersMad(
            answers.map((d) => d.result.value),
            madK,
            registry.policy.agreementTolerance,
          )
        : answers.map(() => false);
    const rejected = new Set(answers.filter((_, i) => rejectedFlags[i]));
    const used = answers.filter((d) => !rejected.has(d));
    const values = used.map((d) => d.result.value);
    const outcome =
      values.length > 0
        ? aggregate(strategy, values, {
            majorityTolerance: registry.policy.agreementTolerance,
            trim: submission.trim ?? this.options.defaultTrim,
            weights: used.map((d) => d.target.health.score),
          })
        : undefined;
    // Answers are judged against the consensus: the median of all answers weighted by their
    // workers' scores, so that neither one wild value nor a bloc of workers already caught lying
    // can make the honest ones look wrong. With no majority there is no consensus to judge by.
    const consensus = outcome?.ok
      ? aggregateWeightedMedian(
          answers.map((d) => d.result.value),
          answers.map((d) => d.target.health.score),
        )
      : undefined;
    const judged = this.#judge(dispatched, consensus, rejected, timeoutMs, !abandoned, log);
    const results = judged.map((j) => j.result);
    const breakdown = { request_id: task.id, worker_responses: results };

    if (outcome === undefined) {
      finish(abandoned ? 'abandoned' : 'no_usable_answer');
      log.warn({ failures: describeFailures(results) }, 'no usable answer');
      throw new ProblemError(
        'NO_USABLE_ANSWER',
        `None of ${results.length} workers gave a usable answer: ${describeFailures(results)}`,
        breakdown,
      );
    }
    if (!outcome.ok) {
      finish(abandoned ? 'abandoned' : 'no_majority');
      log.warn({ reason: outcome.reason }, 'aggregation failed');
      throw new ProblemError('NO_MAJORITY', `Workers did not agree: ${outcome.reason}`, breakdown);
    }
    const quorum = submission.min_responses ?? majorityOf(targets.length);
    const partial = answers.length < quorum;
    const outliers = judged
      .filter((j) => j.deviation !== undefined && !j.result.reliable && !j.rejected)
      .map((j) => ({ id: j.result.worker_id, deviation: j.signedDeviation ?? 0 }));
    const result: OracleResult = {
      request_id: task.id,
      final_value: outcome.value,
      worker_responses: results,
      reliability_note: buildReliabilityNote({
        results,
        answered: answers.length,
        quorum,
        ejected,
        sampledOutOf: sampled ? registered.length : undefined,
        outliers,
        rejected: { k: madK, ids: [...rejected].map((d) => d.target.id) },
      }),
      query: task.query,
      strategy,
      workers_asked: results.length,
      workers_answered: answers.length,
      workers_registered: registered.length,
      quorum,
      partial,
      values_used: values.length,
      values_rejected: rejected.size,
      spread: interquartileRange(values),
      ...(task.as_of ? { as_of: task.as_of } : {}),
    };
    finish(abandoned ? 'abandoned' : partial ? 'partial' : 'complete');
    log.info({ final_value: result.final_value, answered: answers.length, asked: results.length, partial }, 'request answered');
    return result;
  }

  /**
   * Stops taking requests, waits up to `graceMs` for those in flight, then cancels the rest (they
   * still answer, with the workers that had not replied marked cancelled).
   */
  async drain(graceMs: number): Promise<void> {
    this.#draining = true;
    if (this.#inFlight.size > 0) await Promise.race([this.#idle(), sleep(graceMs, undefined, { ref: false })]);
    if (this.#inFlight.size > 0) {
      this.options.logger.warn({ in_flight: this.#inFlight.size }, 'grace period over, cancelling requests in flight');
      this.#shutdown.abort(new Cancellation('cancelled: the coordinator is shutting down'));
      await this.#idle();
    }
  }

  /** Judges each answer, and (unless the client left) lets the workers' health learn from it. */
  #judge(
    dispatched: DispatchedTask<RegistryEntry>[],
    consensus: number | undefined,
    rejected: ReadonlySet<DispatchedTask<RegistryEntry>>,
    timeoutMs: number,
    learn: boolean,
    log: Logger,
  ) {
    const { registry, metrics } = this.options;
    const { policy } = registry;
    return dispatched.map((d) => {
      const health = d.target.health;
      let signedDeviation: number | undefined;
      if (d.kind === 'success' && consensus !== undefined) {
        // Halves cannot overflow; a consensus so close to 0 that its half is 0 makes any difference "infinitely" far.
        const difference = d.result.value / 2 - consensus / 2;
        const scale = Math.abs(consensus) / 2;
        const raw = difference === 0 ? 0 : scale === 0 ? Math.sign(difference) * Number.MAX_VALUE : difference / scale;
        signedDeviation = Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, raw));
      }
      const deviation = signedDeviation === undefined ? undefined : Math.abs(signedDeviation);
      const isRejected = rejected.has(d);
      const reliable = d.kind === 'success' && !isRejected && (deviation === undefined || deviation <= policy.agreementTolerance);
      if (learn) {
        metrics.recordTask(d.target.id, d.kind, d.latencyMs / 1000);
        if (d.kind === 'success') {
          health.recordSuccess(d.latencyMs, timeoutMs, deviation, policy);
        } else if (d.kind !== 'cancelled' && health.recordFailure(d.kind, policy) && registry.canEjectAnother()) {
          const until = health.eject(this.#now(), policy);
          metrics.recordEjection();
          log.warn(
            { worker_id: d.target.id, until: new Date(until).toISOString(), streak: health.ejectionStreak },
            'worker ejected after consecutive failures',
          );
        }
      }
      return { result: { ...d.result, reliable }, deviation, signedDeviation, rejected: isRejected };
    });
  }

  async #track<T>(requestId: string, work: () => Promise<T>): Promise<T> {
    this.#inFlight.add(requestId);
    try {
      return await work();
    } finally {
      this.#inFlight.delete(requestId);
      if (this.#inFlight.size === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  #idle(): Promise<void> {
    return this.#inFlight.size === 0 ? Promise.resolve() : new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}

function notRegistered(id: string): ProblemError {
  return new ProblemError('WORKER_NOT_REGISTERED', `No worker with id ${id} is registered`);
}
