/** Per-strategy figures of a lab run, and their table. */
import { maximum, percentile } from '../stats/quantiles.ts';
import type { LabRun, VariantRun } from './run.ts';
import { formatBps, formatTable } from './format.ts';

export interface Score {
  readonly label: string;
  /** Over the requests that got an answer; undefined when none did. */
  readonly meanErrorBps: number | undefined;
  readonly p99ErrorBps: number | undefined;
  readonly worstErrorBps: number | undefined;
  /** Share of requests with a usable answer. */
  readonly availability: number;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
}

export function scoreRun(run: VariantRun): Score {
  const errors = run.records.flatMap((r) => (r.errorBps === undefined ? [] : [r.errorBps]));
  const latencies = run.records.map((r) => r.latencyMs);
  return {
    label: run.variant.label,
    meanErrorBps: errors.length === 0 ? undefined : errors.reduce((a, b) => a + b, 0) / errors.length,
    p99ErrorBps: percentile(errors, 99),
    worstErrorBps: errors.length === 0 ? undefined : maximum(errors),
    availability: run.records.length === 0 ? 0 : errors.length / run.records.length,
    p50LatencyMs: percentile(latencies, 50) ?? 0,
    p99LatencyMs: percentile(latencies, 99) ?? 0,
  };
}

export function scoreLab(lab: LabRun): Score[] {
  return lab.runs.map(scoreRun);
}

const COLUMNS = ['strategy', 'mean err (bps)', 'p99 err (bps)', 'worst (bps)', 'availability', 'p50 latency', 'p99 latency'];

export function scorecardRows(scores: readonly Score[]): string[][] {
  return scores.map((s) => [
    s.label,
    formatBps(s.meanErrorBps),
    formatBps(s.p99ErrorBps),
    formatBps(s.worstErrorBps),
    `${(s.availability * 100).toFixed(1)}%`,
    `${s.p50LatencyMs.toFixed(1)} ms`,
    `${s.p99LatencyMs.toFixed(1)} ms`,
  ]);
}

export function formatScorecard(scores: readonly Score[]): string {
  return formatTable(COLUMNS, scorecardRows(scores));
}

export { COLUMNS as SCORECARD_COLUMNS };
