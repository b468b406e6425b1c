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

const LATENCY_WINDOW = 128;
const LATENCY_ALPHA = 0.2;

export class WorkerHealth {
  score = 1;
  tasks = 0;
  successes = 0;
  failures = 0;
  timeouts = 0;
  consecutiveFailures = 0;
  /** Epoch ms until which the worker is skipped; 0 when it is not ejected. */
  ejectedUntil = 0;
  /** Ejections since the last success; sets the next ejection's length. */
  ejectionStreak = 0;
  #latencies = new Float64Array(LATENCY_WINDOW);
  #latencyCount = 0;
  #latencyEwma: number | undefined;
  /** A running mean rather than a sum, which could overflow to Infinity. */
  #deviationMean = 0;
  #deviationCount = 0;

  /** A usable answer. `deviation` is undefined when there was no consensus to compare with. */
  recordSuccess(latencyMs: number, deadlineMs: number, deviation: number | undefined, policy: HealthPolicy): void {
    this.tasks++;
    this.successes++;
    this.consecutiveFailures = 0;
    this.ejectionStreak = 0;
    this.#latencies[this.#latencyCount++ % LATENCY_WINDOW] = latencyMs;
    this.#latencyEwma = this.#latencyEwma === undefined ? latencyMs : LATENCY_ALPHA * latencyMs + (1 - LATENCY_ALPHA) * this.#latencyEwma;
    // A step, not a slope: a prompt answer is worth the same however prompt, which keeps scores
    // (and so the weighted median) reproducible when only the machine's timing varies.
    const timeliness = latencyMs <= deadlineMs / 2 ? 1 : 0.5;
    let accuracy = 1;
    if (deviation !== undefined && !Number.isNaN(deviation)) {
      this.#deviationCount++;
      this.#deviationMean += (deviation - this.#deviationMean) / this.#deviationCount;
      const t = policy.agreementTolerance;
      accuracy = deviation <= t ? 1 : Math.exp(-(deviation - t) / Math.max(t, 1e-9));
    }
    this.#updateScore(timeliness * accuracy, policy);
  }

  /** A failed task; true when the worker has now failed often enough in a row to be ejected. */
  recordFailure(kind: 'failure' | 'timeout' | 'overloaded', policy: HealthPolicy): boolean {
    this.tasks++;
    if (kind === 'timeout') this.timeouts++;
    else this.failures++;
    this.consecutiveFailures++;
    this.#updateScore(0, policy);
    return this.consecutiveFailures >= policy.ejectAfterFailures;
  }

  isEjected(nowMs: number): boolean {
    return this.ejectedUntil > nowMs;
  }

  /** Ejects for base × 2^(streak) ms, capped; returns the ejection's end. */
  eject(nowMs: number, policy: HealthPolicy): number {
    const length = Math.min(policy.ejectionMaxMs, policy.ejectionBaseMs * 2 ** this.ejectionStreak);
    this.ejectionStreak++;
    this.consecutiveFailures = 0;
    this.ejectedUntil = nowMs + length;
    return this.ejectedUntil;
  }

  isReliable(policy: HealthPolicy): boolean {
    return this.score >= policy.reliableThreshold;
  }

  stats(): WorkerStats {
    const stats: WorkerStats = {
      tasks: this.tasks,
      successes: this.successes,
      failures: this.failures,
      timeouts: this.timeouts,
      consecutive_failures: this.consecutiveFailures,
    };
    if (this.#latencyCount > 0) {
      stats.latency_p50_ms = roundTo(median(this.#latencies.subarray(0, Math.min(this.#latencyCount, LATENCY_WINDOW))) ?? 0, 3);
      stats.latency_ewma_ms = roundTo(this.#latencyEwma ?? 0, 3);
    }
    if (this.#deviationCount > 0) stats.mean_deviation = this.#deviationMean;
    return stats;
  }

  #updateScore(quality: number, policy: HealthPolicy): void {
    this.score = policy.scoreAlpha * quality + (1 - policy.scoreAlpha) * this.score;
  }
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
