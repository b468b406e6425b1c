/**
 * Aggregation strategies over the usable worker values. Every strategy returns a value within
 * [min, max] of its input; none accepts a non-finite value, because the coordinator must never
 * let one reach a result (dispatch has already excluded such answers).
 */
import type { Strategy } from '../contract/models.ts';

export const DEFAULT_TRIM = 0.2;

export type AggregateOutcome = { ok: true; value: number } | { ok: false; reason: string };

export interface AggregateOptions {
  /** Relative tolerance within which values count as agreeing under `majority`. */
  majorityTolerance: number;
  /** Share dropped from each end by `trimmed_mean`; DEFAULT_TRIM when unset. */
  trim?: number;
  /** One weight per value for `weighted_median` (the workers' reliability scores). */
  weights?: readonly number[];
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
    case 'trimmed_mean':
      return { ok: true, value: aggregateTrimmedMean(values, options.trim ?? DEFAULT_TRIM) };
    case 'weighted_median':
      return { ok: true, value: aggregateWeightedMedian(values, options.weights ?? values.map(() => 1)) };
  }
}

/** Σxᵢ / n, computed so that huge values cannot overflow to ±Infinity. */
export function aggregateAverage(values: readonly number[]): number {
  assertAggregatable(values);
  // Summing in sorted order makes the result independent of the order answers arrived in.
  const sorted = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const value of sorted) sum += value;
  let mean = sum / sorted.length;
  if (!Number.isFinite(mean)) {
    mean = 0;
    for (const value of sorted) mean += value / sorted.length;
  }
  return clampToRange(mean, sorted);
}

/** The middle of the sorted values; the midpoint of the two middle ones for an even count. */
export function aggregateMedian(values: readonly number[]): number {
  assertAggregatable(values);
  const sorted = [...values].sort((a, b) => a - b);
  const upper = sorted.length >> 1;
  const high = sorted[upper] as number;
  if (sorted.length % 2 === 1) return high;
  const low = sorted[upper - 1] as number;
  return Math.min(high, Math.max(low, low / 2 + high / 2));
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
    return {
      ok: false,
      reason: `no majority: the largest group of agreeing values holds ${size} of ${sorted.length} (tolerance ${formatPercent(tolerance)})`,
    };
  }
  return { ok: true, value: aggregateAverage(sorted.slice(best.start, best.end)) };
}

/** Sorts, drops ⌊n·trim⌋ values from each end, and averages the rest. */
export function aggregateTrimmedMean(values: readonly number[], trim: number): number {
  assertAggregatable(values);
  if (!(trim >= 0 && trim < 0.5)) throw new RangeError('trim must be in [0, 0.5)');
  const sorted = [...values].sort((a, b) => a - b);
  const drop = Math.floor(sorted.length * trim);
  return aggregateAverage(sorted.slice(drop, sorted.length - drop));
}

/**
 * The lower weighted median: the smallest sorted value whose cumulative weight reaches half the
 * total. Weights must be finite and non-negative; when they are all 0 it is the plain median.
 */
export function aggregateWeightedMedian(values: readonly number[], weights: readonly number[]): number {
  assertAggregatable(values);
  if (weights.length !== values.length) throw new RangeError('weighted median needs one weight per value');
  if (weights.some((w) => !(Number.isFinite(w) && w >= 0))) throw new RangeError('weights must be finite and non-negative');
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (total === 0) return aggregateMedian(values);
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  let cumulative = 0;
  for (const index of order) {
    cumulative += weights[index] as number;
    if (cumulative >= total / 2) return values[index] as number;
  }
  return values[order[order.length - 1] as number] as number;
}

/** The consistency constant that makes the MAD estimate σ for normally distributed values. */
const MAD_TO_SIGMA = 1.4826;

/**
 * MAD-based outlier rejection: with m the median and MAD = median(|xᵢ − m|), marks every xᵢ with
 * |xᵢ − m| > max(k · 1.4826 · MAD, MAD, relativeFloor · |m|). Returns one flag per value, true for
 * the rejected ones. The floor keeps values that agree with the median anyway (a handful of honest
 * values can have a tiny MAD by chance, and more than half equal values have none at all), and
 * MAD itself in the limit keeps at least half the values whatever k is.
 */
export function rejectOutliersMad(values: readonly number[], k: number, relativeFloor = 0): boolean[] {
  assertAggregatable(values);
  if (!(k > 0 && Number.isFinite(k))) throw new RangeError('MAD rejection needs a positive, finite k');
  if (!(relativeFloor >= 0 && Number.isFinite(relativeFloor))) throw new RangeError('the MAD floor must be a non-negative, finite number');
  // Work on halves: |x/2 − m/2| cannot overflow, where |x − m| can for values of opposite sign.
  const halfMedian = aggregateMedian(values) / 2;
  const halfDeviations = values.map((v) => Math.abs(v / 2 - halfMedian));
  const halfMad = aggregateMedian(halfDeviations);
  const halfLimit = Math.max(k * MAD_TO_SIGMA * halfMad, halfMad, relativeFloor * Math.abs(halfMedian));
  return halfDeviations.map((deviation) => deviation > halfLimit);
}

/**
 * The signed relative deviation (x − c) / |c| of a value from a reference, finite for any finite
 * inputs: computed on halves so that it cannot overflow, and a reference so close to 0 that its
 * half is 0 makes any difference the largest finite deviation.
 */
export function relativeDeviation(value: number, reference: number): number {
  const difference = value / 2 - reference / 2;
  const scale = Math.abs(reference) / 2;
  const raw = difference === 0 ? 0 : scale === 0 ? Math.sign(difference) * Number.MAX_VALUE : difference / scale;
  return Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, raw));
}

/** Q3 − Q1 with linear interpolation between order statistics (the usual "type 7" quantiles). */
export function interquartileRange(values: readonly number[]): number {
  assertAggregatable(values);
  const sorted = [...values].sort((a, b) => a - b);
  const range = quantileOfSorted(sorted, 0.75) - quantileOfSorted(sorted, 0.25);
  return Number.isFinite(range) ? Math.max(0, range) : Number.MAX_VALUE;
}

function quantileOfSorted(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  const fraction = position - low;
  // Weighted sum rather than a + (b − a)·f, which overflows for huge values of opposite sign.
  return fraction === 0 ? a : a * (1 - fraction) + b * fraction;
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

/** A tolerance as people read it: 0.005 → "0.5%". */
export function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}
