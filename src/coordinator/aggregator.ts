/**
 * Aggregation strategies over the usable worker values. Every strategy returns a value within
 * [min, max] of its input; none accepts a non-finite value, because the coordinator must never
 * let one reach a result (dispatch has already excluded such answers).
 */
import type { Strategy } from '../shared/models.ts';

export type AggregateOutcome = { ok: true; value: number } | { ok: false; reason: string };

export interface AggregateOptions {
  /** Relative tolerance within which values count as agreeing under `majority`. */
  majorityTolerance: number;
}

export function aggregate(strategy: Strategy, values: readonly number[], options: AggregateOptions): AggregateOutcome {
  assertAggregatable(values);
  switch (strategy) {
    case 'average':
      return { ok: true, value: aggregateAverage(values) };
    case 'median':
      return { ok: true, value: aggregateMedian(values) };
    case 'majority':
      return aggregateMajority(values, options.majorityTolerance);
  }
}

/** Σxᵢ / n, computed so that huge values cannot overflow to ±Infinity. */
export function aggregateAverage(values: readonly number[]): number {
  assertAggregatable(values);
  let sum = 0;
  for (const value of values) sum += value;
  let mean = sum / values.length;
  if (!Number.isFinite(mean)) {
    mean = 0;
    for (const value of values) mean += value / values.length;
  }
  return clampToRange(mean, values);
}

/** The middle of the sorted values; the midpoint of the two middle ones for an even count. */
export function aggregateMedian(values: readonly number[]): number {
  assertAggregatable(values);
  const sorted = [...values].sort((a, b) => a - b);
  const upper = sorted.length >> 1;
  const high = sorted[upper] as number;
  if (sorted.length % 2 === 1) return high;
  const low = sorted[upper - 1] as number;
  return clampToRange(low / 2 + high / 2, sorted);
}

/**
 * Majority vote with a relative tolerance t: around each value a (the anchor), the group is
 * every value x with |x − a| ≤ t·|a|. The largest group wins if it holds more than half of
 * the values (on a tie in size, the group with the lowest anchor); the answer is its mean.
 * Otherwise there is no majority.
 */
export function aggregateMajority(values: readonly number[], tolerance: number): AggregateOutcome {
  assertAggregatable(values);
  // Below 1 the group bounds move monotonically with the anchor, which the scan relies on.
  if (!(tolerance >= 0 && tolerance < 1)) throw new RangeError('majority tolerance must be in [0, 1)');
  const sorted = [...values].sort((a, b) => a - b);
  let best = { start: 0, end: 0 };
  // Groups are contiguous in sorted order, so two moving bounds find each in O(n) overall.
  let start = 0;
  let end = 0;
  for (const anchor of sorted) {
    const radius = tolerance * Math.abs(anchor);
    while ((sorted[start] as number) < anchor - radius) start++;
    if (end < start) end = start;
    while (end < sorted.length && (sorted[end] as number) <= anchor + radius) end++;
    if (end - start > best.end - best.start) best = { start, end };
  }
  const size = best.end - best.start;
  if (size * 2 <= sorted.length) {
    return { ok: false, reason: `no majority: the largest group of agreeing values holds ${size} of ${sorted.length} (tolerance ${formatPercent(tolerance)})` };
  }
  return { ok: true, value: aggregateAverage(sorted.slice(best.start, best.end)) };
}

function assertAggregatable(values: readonly number[]): void {
  if (values.length === 0) throw new RangeError('cannot aggregate an empty set of values');
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError(`cannot aggregate a non-finite value (${value})`);
  }
}

/** Rounding may push a mean a hair outside its inputs; the true mean never is. */
function clampToRange(value: number, values: readonly number[]): number {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return Math.min(max, Math.max(min, value));
}

function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}
