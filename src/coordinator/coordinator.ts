/**
 * The coordinator's logic, free of HTTP: it keeps the registry, turns a client's submission into
 * a task for every active worker, turns their answers into an OracleResult or a problem, learns
 * from each task how far to trust each worker, and drains for shutdown.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { v4 as uuidv4 } from 'uuid';
import type { Logger } from '../logging/logger.ts';
import type {
  OracleRequest,
  OracleRequestSubmission,
  OracleResult,
  RegistrationAck,
  Report,
  RoundList,
  ServedFrom,
  WorkerInfo,
  WorkerList,
  WorkerRegistration,
} from '../contract/models.ts';
import type { components } from '../../generated/coordinator.ts';
import { ProblemError, shuttingDownProblem, storeUnavailableProblem, type ProblemCode } from '../http/problems.ts';
import type { PublicKey, SigningKey } from '../signing/ed25519.ts';
import { signReport } from '../signing/report.ts';
import { aggregateObservations, type Aggregation, type AggregationParams, type Observation } from './aggregation.ts';
import { sampleCommittee } from './committee.ts';
import { Cancellation, dispatchToWorkers, type DispatchedTask } from './dispatch.ts';
import { isOutlier, judgeAnswer, type Judgement } from './judgement.ts';
import type { CoordinatorMetrics, RequestOutcome } from './metrics.ts';
import { isPartial, quorumFor } from './quorum.ts';
import { InFlightRounds } from './rounds/in-flight-rounds.ts';
import { roundKey } from './rounds/round-key.ts';
import type { Round, RoundOutcome, RoundStore } from './rounds/round-store.ts';
import { buildReliabilityNote, describeFailures } from './reliability-note.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { AddressLimitError, EndpointMismatchError, RegistryFullError, WorkerIdTakenError, type RegistryEntry } from './registry.ts';
import type { SendTask } from './task-client.ts';
import type { TaskOutcome } from './worker-health.ts';
import type { TaskUpdate, WorkerStore } from './worker-store.ts';

type HeartbeatAck = components['schemas']['HeartbeatAck'];
type RoundParameters = Round['parameters'];

export interface CoordinatorOptions {
  /** The registry and what is learnt about each worker; requests read its local view. */
  workers: WorkerStore;
  sendTask: SendTask;
  logger: Logger;
  metrics: CoordinatorMetrics;
  /** Where finished rounds are kept. */
  rounds: RoundStore;
  /** Whether the store answers now; while it does not, requests are refused at once (503 STORE_UNAVAILABLE). */
  storeReady?: () => boolean;
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
  /** Signs every result's report. */
  signer: SigningKey;
  /** Exclude unsigned answers from workers with a key (a forged signature is excluded anyway). */
  requireSignatures: boolean;
  now?: () => number;
}

export class Coordinator {
  readonly #shutdown = new AbortController();
  #draining = false;
  /** Ids of the requests being dispatched: draining waits for them, and a client-chosen id cannot mix two. */
  readonly #inFlight = new Set<string>();
  /** Rounds identical requests with `max_age_ms` may join. */
  readonly #inFlightRounds = new InFlightRounds<RoundEnding>();
  #idleWaiters: (() => void)[] = [];
  readonly #now: () => number;

  constructor(private readonly options: CoordinatorOptions) {
    this.#now = options.now ?? Date.now;
    // Every request in flight listens for shutdown (and lets go when it ends): many at once is no leak.
    setMaxListeners(0, this.#shutdown.signal);
  }

  get draining(): boolean {
    return this.#draining;
  }

  /**
   * `source` is the address the registration came from; the id belongs to it from now on.
   * `key` is the worker's key when the registration was proven by it (worker-auth.ts): its
   * answers must be signed by it, and it may move the id from another address.
   */
  async registerWorker(registration: WorkerRegistration, source: string, key?: PublicKey): Promise<RegistrationAck> {
    const { id, endpoint } = registration;
    const outcome = await withRegistryProblems(this.options.workers.register(id, endpoint, source, key));
    const { logger } = this.options;
    if (outcome.kind === 'registered') logger.info({ worker_id: id, endpoint }, 'worker registered');
    else if (outcome.previousEndpoint === endpoint) logger.info({ worker_id: id, endpoint }, 'worker registered again');
    else logger.warn({ worker_id: id, endpoint, previous_endpoint: outcome.previousEndpoint }, 'worker moved to a new endpoint');
    return { status: 'registered', message: `Worker ${id} successfully registered` };
  }

  /**
   * Refreshes `last_seen`. A worker that says which endpoint it believes it has is told to
   * register again (409 ENDPOINT_MISMATCH) when the registry has another one for it.
   */
  async recordHeartbeat(id: string, source: string, reportedEndpoint?: string): Promise<HeartbeatAck> {
    let lastSeenMs;
    try {
      lastSeenMs = await withRegistryProblems(this.options.workers.heartbeat(id, source, reportedEndpoint));
    } catch (error) {
      if (!(error instanceof EndpointMismatchError)) throw error;
      // Someone moved this id, or the worker itself moved: either way the worker should know.
      this.options.logger.warn(
        { worker_id: id, registered_endpoint: error.registered, reported_endpoint: error.reported },
        'heartbeat from a worker registered at another endpoint; telling it to register again',
      );
      throw new ProblemError('ENDPOINT_MISMATCH', `Worker ${id} is ${error.message}; register again`);
    }
    if (lastSeenMs === undefined) throw notRegistered(id);
    return { status: 'alive', last_seen: new Date(lastSeenMs).toISOString() };
  }

  async deregisterWorker(id: string, source: string): Promise<void> {
    if (!(await withRegistryProblems(this.options.workers.deregister(id, source)))) throw notRegistered(id);
    this.options.metrics.forgetWorker(id);
    this.options.logger.info({ worker_id: id }, 'worker deregistered');
  }

  /** An operator's removal, from whatever address holds the id; false when it was not registered. */
  async removeWorker(id: string): Promise<boolean> {
    const removed = await this.options.workers.remove(id);
    if (removed) {
      this.options.metrics.forgetWorker(id);
      this.options.logger.warn({ worker_id: id }, 'worker removed by an operator');
    }
    return removed;
  }

  async getWorker(id: string): Promise<WorkerInfo> {
    const info = await this.options.workers.info(id);
    if (!info) throw notRegistered(id);
    return info;
  }

  async getRound(requestId: string): Promise<Round> {
    const round = await this.options.rounds.get(requestId);
    if (round === undefined) throw new ProblemError('ROUND_NOT_FOUND', `No round ${requestId} is in the history`);
    return round;
  }

  /** One page of the history, newest first; `before` is the previous page's `next`. */
  async listRounds(limit: number, query?: string, before?: string): Promise<RoundList> {
    const page = await this.options.rounds.list({
      query,
      limit,
      before: before === undefined ? undefined : decodeCursor(before, 'before'),
    });
    return { rounds: [...page.rounds], ...(page.next === undefined ? {} : { next: encodeCursor(page.next) }) };
  }

  /** One page of the registry, in registration order; `cursor` is the previous page's `next`. */
  async listWorkers(limit: number, cursor?: string): Promise<WorkerList> {
    const page = await this.options.workers.page(decodeCursor(cursor), limit);
    return { workers: [...page.workers], ...(page.next === undefined ? {} : { next: encodeCursor(page.next) }) };
  }

  /** Evicts the workers whose heartbeats stopped; returns how many went (with a shared store, those this sweep removed). */
  async evictStale(): Promise<number> {
    const evicted = await this.options.workers.evictStale(this.options.workerTtlMs);
    for (const worker of evicted) {
      this.options.metrics.recordEviction(worker.id);
      this.options.logger.warn(
        { worker_id: worker.id, endpoint: worker.endpoint, last_seen: new Date(worker.lastSeenMs).toISOString() },
        'stale worker evicted',
      );
    }
    return evicted.length;
  }

  /**
   * Answers one client submission. With `max_age_ms`, a fresh enough identical round comes from
   * the history and an identical round in flight is joined; otherwise the request runs a round
   * of its own. Throws a ProblemError when there is no answer to give. `clientSignal` aborts when
   * the client has gone. Every outcome is counted here.
   */
  async submitRequest(submission: OracleRequestSubmission, clientSignal?: AbortSignal): Promise<OracleResult> {
    const started = performance.now();
    let outcome: RequestOutcome = 'error';
    let servedFrom: ServedFrom | undefined;
    try {
      const result = await this.#serve(submission, clientSignal);
      outcome = result.partial === true ? 'partial' : 'complete';
      servedFrom = result.served_from;
      return result;
    } catch (error) {
      if (error instanceof ProblemError) outcome = outcomeOfProblem(error.code);
      throw error;
    } finally {
      if (clientSignal?.aborted === true) outcome = 'abandoned';
      this.options.metrics.recordRequest(outcome, submission.strategy ?? 'average', (performance.now() - started) / 1000, servedFrom);
    }
  }

  /**
   * One round with no client waiting for it (a feed's poll): kept in the history like any
   * other, not counted as a client request, and never cancelled but by shutdown.
   */
  async pollRound(submission: OracleRequestSubmission): Promise<RoundEnding> {
    try {
      return await this.#runRound(this.#admit(submission, true), undefined);
    } catch (error) {
      if (error instanceof ProblemError) return { problem: error };
      throw error;
    }
  }

  async #serve(submission: OracleRequestSubmission, clientSignal: AbortSignal | undefined): Promise<OracleResult> {
    if (this.#draining) throw shuttingDownProblem();
    const maxAgeMs = submission.max_age_ms;
    if (maxAgeMs === undefined) return outcomeOf(await this.#runRound(this.#admit(submission), clientSignal));
    if (submission.request_id !== undefined) {
      throw new ProblemError('VALIDATION_FAILED', '/body/max_age_ms cannot be combined with /body/request_id', {
        errors: [{ path: '/body/max_age_ms', message: 'cannot be combined with request_id: a shared or remembered round has its own id' }],
      });
    }
    const key = roundKey(submission.query, this.#parametersOf(submission));
    const now = this.#now();
    const fresh = await this.options.rounds.latestAnswered(key, now - maxAgeMs);
    if (fresh?.round.result !== undefined) {
      return { ...fresh.round.result, served_from: 'history', age_ms: Math.max(0, now - fresh.finishedAtMs) };
    }
    const shared = this.#inFlightRounds.join(key, clientSignal, (cancel) => this.#runRound(this.#admit(submission), cancel));
    const result = outcomeOf(await shared.outcome);
    return shared.joined ? { ...result, served_from: 'coalesced' } : result;
  }

  /**
   * One round: the steps of an aggregation, then the record of it kept in the history (unless
   * it was cancelled because its clients left). Resolves with the result or the problem.
   */
  async #runRound(request: AdmittedRequest, cancel: AbortSignal | undefined): Promise<RoundEnding> {
    try {
      const result = await this.#answer(request, cancel);
      await this.#keep(request, result.partial === true ? 'partial' : 'complete', { result });
      return { result };
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      const outcome = roundOutcomeOfProblem(error.code);
      if (outcome !== undefined && cancel?.aborted !== true) await this.#keep(request, outcome, { problem: error.toProblem('/request') });
      return { problem: error };
    } finally {
      this.#release(request.task.id);
    }
  }

  /** The steps: choose the targets, dispatch, aggregate, judge (and learn), assemble. */
  async #answer(request: AdmittedRequest, cancel: AbortSignal | undefined): Promise<OracleResult> {
    const choice = this.#chooseTargets(request.parameters.ask_count ?? this.options.maxFanOut);
    const log = this.options.logger.child({ request_id: request.task.id });
    // A feed polls every second or so: its rounds are logged at debug, a client's at info.
    const note = (request.polled ? log.debug : log.info).bind(log);
    note(
      {
        query: request.task.query,
        strategy: request.params.strategy,
        workers: choice.targets.length,
        ejected: choice.ejected.length,
        timeout_ms: request.timeoutMs,
      },
      'dispatching request',
    );
    const dispatched = await dispatchToWorkers(choice.targets, request.task, {
      timeoutMs: request.timeoutMs,
      sendTask: this.options.sendTask,
      cancelSignals: cancel ? [cancel, this.#shutdown.signal] : [this.#shutdown.signal],
      requireSignatures: this.options.requireSignatures,
    });
    const answers = dispatched.filter((d) => d.kind === 'success');
    // The weights as aggregated: learning changes the scores, and the report must say what was used.
    const observations = answers.map((d) => ({ value: d.result.value, weight: d.target.health.score }));
    const aggregation = aggregateObservations(observations, request.params);
    const report = aggregation.ok ? this.#report(request, answers, observations, aggregation.value) : undefined;
    const judgements = this.#judge(dispatched, answers, aggregation);
    // Clients that left have seen nothing; what their workers did is not held for or against them.
    if (cancel?.aborted !== true) this.#learn(dispatched, judgements, request.timeoutMs, log);
    const result = this.#assemble(request, choice, dispatched, judgements, aggregation, log, report);
    note(
      { final_value: result.final_value, answered: result.workers_answered, asked: result.workers_asked, partial: result.partial },
      'request answered',
    );
    return result;
  }

  /** Refuses work while draining and a client-chosen id already in flight; reserves the id. */
  #admit(submission: OracleRequestSubmission, polled = false): AdmittedRequest {
    if (this.#draining) throw shuttingDownProblem();
    if (this.options.storeReady?.() === false) throw storeUnavailableProblem('not connected');
    const id = submission.request_id ?? uuidv4();
    if (this.#inFlight.has(id)) throw new ProblemError('REQUEST_ID_IN_USE', `Request ${id} is still in flight; choose another id`);
    this.#inFlight.add(id);
    const parameters = this.#parametersOf(submission);
    return {
      task: { id, query: submission.query, ...(submission.as_of === undefined ? {} : { as_of: submission.as_of }) },
      startedAtMs: this.#now(),
      polled,
      timeoutMs: parameters.timeout_ms,
      minResponses: submission.min_responses,
      parameters,
      params: {
        strategy: parameters.strategy,
        madK: parameters.mad_k,
        trim: parameters.trim,
        tolerance: this.options.workers.view.policy.agreementTolerance,
      },
    };
  }

  /** The aggregation parameters a submission asks for, the coordinator's defaults filled in. */
  #parametersOf(submission: OracleRequestSubmission): RoundParameters {
    return {
      strategy: submission.strategy ?? 'average',
      trim: submission.trim ?? this.options.defaultTrim,
      mad_k: submission.mad_k ?? this.options.defaultMadK,
      ...(submission.ask_count === undefined ? {} : { ask_count: submission.ask_count }),
      ...(submission.min_responses === undefined ? {} : { min_responses: submission.min_responses }),
      timeout_ms: submission.timeout_ms ?? this.options.defaultTimeoutMs,
      ...(submission.as_of === undefined ? {} : { as_of: submission.as_of }),
    };
  }

  /** Records a finished round in the history. */
  async #keep(request: AdmittedRequest, outcome: RoundOutcome, ending: Pick<Round, 'result' | 'problem'>): Promise<void> {
    const finishedAtMs = this.#now();
    const round: Round = {
      request_id: request.task.id,
      query: request.task.query,
      parameters: request.parameters,
      started_at: new Date(request.startedAtMs).toISOString(),
      finished_at: new Date(finishedAtMs).toISOString(),
      outcome,
      ...ending,
    };
    await this.options.rounds.add(round, roundKey(round.query, round.parameters), finishedAtMs);
  }

  /**
   * Every active worker, or a committee of `committeeSize` sampled by reliability when fewer
   * than the registry are to be asked. A committee is drawn without looking at every entry; only
   * when everyone is asked anyway are the ejected ones counted out and named.
   */
  #chooseTargets(committeeSize: number): TargetChoice {
    const registered = this.options.workers.view.entries();
    const now = this.#now();
    const isActive = (entry: RegistryEntry) => !entry.health.isEjected(now);
    const sampled = committeeSize < registered.length;
    const targets = sampled
      ? sampleCommittee(registered, committeeSize, (entry) => entry.health.score, this.options.random, isActive)
      : registered.filter(isActive);
    if (targets.length === 0) {
      throw new ProblemError(
        'NO_WORKERS',
        registered.length === 0
          ? 'No worker is registered with the coordinator, so there is nobody to ask'
          : `All ${registered.length} registered workers are ejected after repeated failures; try again shortly`,
      );
    }
    const ejected = sampled ? [] : registered.filter((entry) => !isActive(entry)).map((entry) => entry.id);
    return { targets, registeredCount: registered.length, sampled, ejected };
  }

  /** One judgement per dispatched task, in dispatch order. */
  #judge(dispatched: readonly Dispatched[], answers: readonly Dispatched[], aggregation: Aggregation): Judgement[] {
    const rejected = new Set(answers.filter((_, i) => aggregation.rejected[i] === true));
    const consensus = aggregation.ok ? aggregation.consensus : undefined;
    const { agreementTolerance } = this.options.workers.view.policy;
    return dispatched.map((d) =>
      judgeAnswer(d.kind === 'success' ? d.result.value : undefined, consensus, rejected.has(d), agreementTolerance),
    );
  }

  /**
   * What the workers' health, the metrics and ejection learn from one request. The request does
   * not wait for it: with a shared store the lesson is one round trip, whose answer the view
   * takes when it comes.
   */
  #learn(dispatched: readonly Dispatched[], judgements: readonly Judgement[], timeoutMs: number, log: Logger): void {
    const { workers, metrics } = this.options;
    const updates: TaskUpdate[] = [];
    dispatched.forEach((d, i) => {
      // A worker that left while its task was in flight is forgotten, series and all; recording
      // its task now would bring its series back for good.
      if (workers.view.get(d.target.id) !== d.target) return;
      metrics.recordTask(d.target.id, d.kind, d.latencyMs / 1000);
      const outcome = taskOutcomeOf(d, judgements[i], timeoutMs);
      if (outcome !== undefined) updates.push({ entry: d.target, outcome });
    });
    if (updates.length === 0) return;
    workers.recordTasks(updates, this.#now()).then(
      (ejections) => {
        for (const { id, until, streak } of ejections) {
          metrics.recordEjection();
          log.warn({ worker_id: id, until: new Date(until).toISOString(), streak }, 'worker ejected after consecutive failures');
        }
      },
      (error: unknown) => log.warn({ err: (error as Error).message }, 'could not record what the workers did'),
    );
  }

  /**
   * The signed report of a round: every usable answer as the signed observation it is, the
   * parameters and the final value. None when some usable answer was not signed (a worker
   * without a key, while signatures are not required): a report that leaves out a value the
   * aggregate used could not be checked.
   */
  #report(
    request: AdmittedRequest,
    answers: readonly Dispatched[],
    observations: readonly Observation[],
    finalValue: number,
  ): Report | undefined {
    const signed: Report['observations'] = [];
    for (const [i, d] of answers.entries()) {
      const { key } = d.target;
      if (d.signed === undefined || key === undefined) return undefined;
      signed.push({
        worker_id: d.target.id,
        key_id: key.keyId,
        time_ms: d.signed.timeMs,
        value: d.result.value,
        weight: observations[i]?.weight ?? 0,
        signature: d.signed.signature,
      });
    }
    const { task, params } = request;
    return signReport(this.options.signer, {
      request_id: task.id,
      query: task.query,
      strategy: params.strategy,
      trim: params.trim,
      mad_k: params.madK,
      tolerance: params.tolerance,
      as_of: task.as_of,
      final_value: finalValue,
      observations: signed,
    });
  }

  /** The OracleResult, or the 503 problem (with the breakdown) when there is no value to give. */
  #assemble(
    request: AdmittedRequest,
    choice: TargetChoice,
    dispatched: readonly Dispatched[],
    judgements: readonly Judgement[],
    aggregation: Aggregation,
    log: Logger,
    report: Report | undefined,
  ): OracleResult {
    const results = dispatched.map((d, i) => ({ ...d.result, reliable: judgements[i]?.reliable ?? false }));
    const { task, params } = request;
    if (!aggregation.ok) {
      const breakdown = { request_id: task.id, worker_responses: results };
      if (aggregation.code === 'NO_USABLE_ANSWER') {
        log.warn({ failures: describeFailures(results) }, 'no usable answer');
        throw new ProblemError(
          'NO_USABLE_ANSWER',
          `None of ${results.length} workers gave a usable answer: ${describeFailures(results)}`,
          breakdown,
        );
      }
      log.warn({ reason: aggregation.reason }, 'aggregation failed');
      throw new ProblemError('NO_MAJORITY', `Workers did not agree: ${aggregation.reason}`, breakdown);
    }
    const answered = dispatched.filter((d) => d.kind === 'success').length;
    const quorum = quorumFor(results.length, request.minResponses);
    const partial = isPartial(answered, quorum);
    const outliers = dispatched.flatMap((d, i) => {
      const judgement = judgements[i];
      return judgement !== undefined && isOutlier(judgement) ? [{ id: d.target.id, deviation: judgement.deviation ?? 0 }] : [];
    });
    const rejectedIds = dispatched.filter((_, i) => judgements[i]?.rejected === true).map((d) => d.target.id);
    const result: OracleResult = {
      request_id: task.id,
      final_value: aggregation.value,
      worker_responses: results,
      reliability_note: buildReliabilityNote({
        results,
        answered,
        quorum,
        partial,
        ejected: choice.ejected,
        sampledOutOf: choice.sampled ? choice.registeredCount : undefined,
        outliers,
        rejected: { k: params.madK, ids: rejectedIds },
        disagreement: aggregation.consensus === undefined ? { tolerance: params.tolerance } : undefined,
      }),
      query: task.query,
      strategy: params.strategy,
      workers_asked: results.length,
      workers_answered: answered,
      workers_registered: choice.registeredCount,
      quorum,
      partial,
      values_used: aggregation.valuesUsed,
      values_rejected: rejectedIds.length,
      spread: aggregation.spread,
      ...(task.as_of === undefined ? {} : { as_of: task.as_of }),
      served_from: 'fan_out',
      age_ms: 0,
      ...(report === undefined ? {} : { report }),
    };
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

  #release(requestId: string): void {
    this.#inFlight.delete(requestId);
    if (this.#inFlight.size === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  #idle(): Promise<void> {
    return this.#inFlight.size === 0 ? Promise.resolve() : new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}

type Dispatched = DispatchedTask<RegistryEntry>;

interface AdmittedRequest {
  readonly task: OracleRequest;
  readonly startedAtMs: number;
  /** A feed's poll, not a client's request. */
  readonly polled: boolean;
  readonly timeoutMs: number;
  /** As the history records them. */
  readonly parameters: RoundParameters;
  readonly minResponses: number | undefined;
  readonly params: AggregationParams;
}

interface TargetChoice {
  readonly targets: readonly RegistryEntry[];
  readonly registeredCount: number;
  /** A committee smaller than the registry was drawn. */
  readonly sampled: boolean;
  /** Ids not asked because they are ejected (only when everyone was to be asked). */
  readonly ejected: readonly string[];
}

const OUTCOME_OF_PROBLEM: Partial<Record<ProblemCode, RequestOutcome>> = {
  SHUTTING_DOWN: 'shutting_down',
  STORE_UNAVAILABLE: 'store_unavailable',
  REQUEST_ID_IN_USE: 'request_id_in_use',
  NO_WORKERS: 'no_workers',
  NO_USABLE_ANSWER: 'no_usable_answer',
  NO_MAJORITY: 'no_majority',
};

function outcomeOfProblem(code: ProblemCode): RequestOutcome {
  return OUTCOME_OF_PROBLEM[code] ?? 'error';
}

/** The problems that end a round (and are kept in the history); the others refuse a request. */
function roundOutcomeOfProblem(code: ProblemCode): RoundOutcome | undefined {
  if (code === 'NO_USABLE_ANSWER') return 'no_usable_answer';
  if (code === 'NO_MAJORITY') return 'no_majority';
  return undefined;
}

/** How a round ended: with a result, or with the problem that answers it. */
export type RoundEnding = { result: OracleResult } | { problem: ProblemError };

function outcomeOf(ending: RoundEnding): OracleResult {
  if ('problem' in ending) throw ending.problem;
  return ending.result;
}

/** What a task teaches the worker's health; nothing for a cancelled one (nobody's fault). */
function taskOutcomeOf(d: Dispatched, judgement: Judgement | undefined, timeoutMs: number): TaskOutcome | undefined {
  if (d.kind === 'cancelled') return undefined;
  if (d.kind !== 'success') return { kind: d.kind };
  const deviation = judgement?.deviation;
  return {
    kind: 'success',
    latencyMs: d.latencyMs,
    deadlineMs: timeoutMs,
    deviation: deviation === undefined ? undefined : Math.abs(deviation),
  };
}

/** The registry's refusals as the problems the API documents for them. */
async function withRegistryProblems<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    if (error instanceof RegistryFullError) throw new ProblemError('REGISTRY_FULL', `${error.message}; deregister one first`);
    if (error instanceof AddressLimitError) throw new ProblemError('ADDRESS_LIMIT_REACHED', `${error.message}; deregister one first`);
    if (error instanceof WorkerIdTakenError) {
      throw new ProblemError(
        'WORKER_ID_TAKEN',
        `${error.message}; only that address may act for it until it is deregistered or evicted for silence`,
      );
    }
    throw error;
  }
}

function notRegistered(id: string): ProblemError {
  return new ProblemError('WORKER_NOT_REGISTERED', `No worker with id ${id} is registered`);
}
