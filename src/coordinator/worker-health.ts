/**
 * What the coordinator learns about one worker from its tasks: counters, latencies, deviation
 * from the consensus, a reliability score, and temporary ejection after consecutive failures
 * (in the manner of Envoy's outlier detection: the ejection grows with each repeat and is
 * forgiven by a success).
 */
import type { components } from '../../generated/coordinator.ts';
import { median } from '../stats/quantiles.ts';

type WorkerStats = components['schemas']['WorkerStats'];

export interface HealthPolicy {
  /** Weight of the newest task in the score's EWMA. */
  scoreAlpha: number;
  /** A worker is `reliable` while its score is at least this. */
  reliableThreshold: number;
  /** Relative distance from the consensus within which an answer counts as agreeing. */
  agreementTolerance: number;
  /** Consecutive failures that get a worker ejected. */
  ejectAfterFailures: number;
  /** First ejection's length; each repeat without a success in between doubles it. */
  ejectionBaseMs: number;
  ejectionMaxMs: number;
  /** Largest share of the registry that may be ejected at once. */
  maxEjectedShare: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = {
  scoreAlpha: 0.2,
  reliableThreshold: 0.5,
  agreementTolerance: 0.005,
  ejectAfterFailures: 3,
  ejectionBaseMs: 5_000,
  ejectionMaxMs: 300_000,
  maxEjectedShare: 0.5,
};

/** Answers whose latency the median (`latency_p50_ms`) is taken over. */
export const LATENCY_WINDOW = 128;
/** Weight of the newest answer in `latency_ewma_ms`. */
export const LATENCY_ALPHA = 0.2;

/** Everything the coordinator has learnt about a worker but its recent latencies: plain data, so a store can keep it. */
export interface HealthCounters {
  readonly score: number;
  readonly tasks: number;
  readonly successes: number;
  readonly failures: number;
  readonly timeouts: number;
  readonly consecutiveFailures: number;
  /** Epoch ms until which the worker is skipped; 0 when it is not ejected. */
  readonly ejectedUntil: number;
  /** Ejections since the last success; sets the next ejection's length. */
  readonly ejectionStreak: number;
  /** Undefined until the first answer. */
  readonly latencyEwma: number | undefined;
  /** A running mean rather than a sum, which could overflow to Infinity. */
  readonly deviationMean: number;
  readonly deviationCount: number;
}

export const NEW_WORKER_HEALTH: HealthCounters = {
  score: 1,
  tasks: 0,
  successes: 0,
  failures: 0,
  timeouts: 0,
  consecutiveFailures: 0,
  ejectedUntil: 0,
  ejectionStreak: 0,
  latencyEwma: undefined,
  deviationMean: 0,
  deviationCount: 0,
};

/** How one task went, as health learns from it. `deviation` is absolute, undefined without a consensus. */
export type TaskOutcome =
  | { readonly kind: 'success'; readonly latencyMs: number; readonly deadlineMs: number; readonly deviation: number | undefined }
  | { readonly kind: 'failure' | 'timeout' | 'overloaded' };

/**
 * What one task teaches: the score's EWMA moves toward the task's quality (0 for a failure; for
 * an answer, timeliness × accuracy), the counters count it, and a failure that completes a run
 * of `ejectAfterFailures` ejects the worker when `mayEject` (the cap on ejected workers allows
 * one more). Pure, so that every store applies the very same rule (the Redis store in Lua).
 */
export function nextHealth(
  health: HealthCounters,
  outcome: TaskOutcome,
  policy: HealthPolicy,
  nowMs: number,
  mayEject: boolean,
): HealthCounters {
  const blend = (quality: number) => policy.scoreAlpha * quality + (1 - policy.scoreAlpha) * health.score;
  if (outcome.kind === 'success') {
    // A step, not a slope: a prompt answer is worth the same however prompt, which keeps scores
    // (and so the weighted median) reproducible when only the machine's timing varies.
    const timeliness = outcome.latencyMs <= outcome.deadlineMs / 2 ? 1 : 0.5;
    const judged = outcome.deviation !== undefined && !Number.isNaN(outcome.deviation);
    const t = policy.agreementTolerance;
    const deviation = judged ? outcome.deviation : 0;
    const accuracy = !judged || deviation <= t ? 1 : Math.exp(-(deviation - t) / Math.max(t, 1e-9));
    const deviationCount = health.deviationCount + (judged ? 1 : 0);
    return {
      ...health,
      score: blend(timeliness * accuracy),
      tasks: health.tasks + 1,
      successes: health.successes + 1,
      consecutiveFailures: 0,
      ejectionStreak: 0,
      latencyEwma:
        health.latencyEwma === undefined ? outcome.latencyMs : LATENCY_ALPHA * outcome.latencyMs + (1 - LATENCY_ALPHA) * health.latencyEwma,
      deviationMean: judged ? health.deviationMean + (deviation - health.deviationMean) / deviationCount : health.deviationMean,
      deviationCount,
    };
  }
  const failed = {
    ...health,
    score: blend(0),
    tasks: health.tasks + 1,
    timeouts: health.timeouts + (outcome.kind === 'timeout' ? 1 : 0),
    failures: health.failures + (outcome.kind === 'timeout' ? 0 : 1),
    consecutiveFailures: health.consecutiveFailures + 1,
  };
  if (!completesFailureRun(health, outcome, policy) || !mayEject) return failed;
  const length = Math.min(policy.ejectionMaxMs, policy.ejectionBaseMs * 2 ** health.ejectionStreak);
  return { ...failed, ejectionStreak: health.ejectionStreak + 1, consecutiveFailures: 0, ejectedUntil: nowMs + length };
}

/** Whether `outcome` ends a run of `ejectAfterFailures` failures, which ejects the worker if the cap allows. */
export function completesFailureRun(health: HealthCounters, outcome: TaskOutcome, policy: HealthPolicy): boolean {
  return outcome.kind !== 'success' && health.consecutiveFailures + 1 >= policy.ejectAfterFailures;
}

/** A worker's health as the registry holds it: its counters and a fixed-size ring of recent latencies. */
export class WorkerHealth {
  #counters: HealthCounters;
  readonly #latencies = new Float64Array(LATENCY_WINDOW);
  #latencyCount = 0;

  constructor(counters: HealthCounters = NEW_WORKER_HEALTH) {
    this.#counters = counters;
  }

  get counters(): HealthCounters {
    return this.#counters;
  }

  get score(): number {
    return this.#counters.score;
  }

  get ejectedUntil(): number {
    return this.#counters.ejectedUntil;
  }

  get ejectionStreak(): number {
    return this.#counters.ejectionStreak;
  }

  /** Learns from one task; true when it ejected the worker. */
  record(outcome: TaskOutcome, policy: HealthPolicy, nowMs: number, mayEject: boolean): boolean {
    const before = this.#counters;
    this.#counters = nextHealth(before, outcome, policy, nowMs, mayEject);
    if (outcome.kind === 'success') this.#latencies[this.#latencyCount++ % LATENCY_WINDOW] = outcome.latencyMs;
    return this.#counters.ejectedUntil !== before.ejectedUntil;
  }

  /** Takes counters learnt elsewhere (another coordinator, through the shared store). */
  replace(counters: HealthCounters): void {
    this.#counters = counters;
  }

  isEjected(nowMs: number): boolean {
    return this.#counters.ejectedUntil > nowMs;
  }

  isReliable(policy: HealthPolicy): boolean {
    return this.#counters.score >= policy.reliableThreshold;
  }

  /** The recent latencies, oldest first. */
  recentLatencies(): number[] {
    const kept = Math.min(this.#latencyCount, LATENCY_WINDOW);
    return Array.from({ length: kept }, (_, i) => this.#latencies[(this.#latencyCount - kept + i) % LATENCY_WINDOW] ?? 0);
  }

  stats(): WorkerStats {
    return statsOf(this.#counters, this.recentLatencies());
  }
}

/** The wire form of a worker's statistics, from its counters and its recent latencies. */
export function statsOf(counters: HealthCounters, recentLatencies: readonly number[]): WorkerStats {
  const stats: WorkerStats = {
    tasks: counters.tasks,
    successes: counters.successes,
    failures: counters.failures,
    timeouts: counters.timeouts,
    consecutive_failures: counters.consecutiveFailures,
  };
  if (recentLatencies.length > 0) {
    stats.latency_p50_ms = roundTo(median(recentLatencies) ?? 0, 3);
    stats.latency_ewma_ms = roundTo(counters.latencyEwma ?? 0, 3);
  }
  if (counters.deviationCount > 0) stats.mean_deviation = counters.deviationMean;
  return stats;
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
