/**
 * Order statistics of plain numbers for figures people read: latencies, errors, chart boxes.
 *
 * Two definitions, each where it has always been used:
 * - `percentile` is nearest-rank: the smallest value with at least p % of the values at or
 *   below it. Always one of the values, never interpolated (the lab's scorecard and charts, the
 *   benchmark's latency figures).
 * - `median` is the middle value, or the midpoint of the two middle values for an even count
 *   (a worker's `latency_p50_ms`). For an even count it differs from `percentile(values, 50)`,
 *   which is the lower of the two.
 *
 * Both return undefined for no values.
 */

/** Nearest-rank percentile (p in [0, 100]) of values already in ascending order. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Nearest-rank percentile (p in [0, 100]) of values in any order. */
export function percentile(values: readonly number[], p: number): number | undefined {
  return percentileOfSorted(sortAscending(values), p);
}

/** The middle value; for an even count, the midpoint of the two middle ones. */
export function median(values: ArrayLike<number>): number | undefined {
  const sorted = sortAscending(values);
  if (sorted.length === 0) return undefined;
  const upper = sorted.length >> 1;
  const high = sorted[upper] as number;
  if (sorted.length % 2 === 1) return high;
  const low = sorted[upper - 1] as number;
  // Halves first, so that two huge values cannot overflow to Infinity; the clamp keeps rounding inside [low, high].
  return Math.min(high, Math.max(low, low / 2 + high / 2));
}

/** A sorted copy (numeric order; a typed array's own sort is numeric). */
export function sortAscending(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * Math.max over any number of values, from `floor`: spreading a long array into Math.max
 * overflows the call stack past some 120,000 arguments (a lab run of 100,000 requests).
 */
export function maximum(values: Iterable<number>, floor = Number.NEGATIVE_INFINITY): number {
  let max = floor;
  for (const value of values) max = Math.max(max, value);
  return max;
}

/** Math.min over any number of values, from `ceiling` (see maximum). */
export function minimum(values: Iterable<number>, ceiling = Number.POSITIVE_INFINITY): number {
  let min = ceiling;
  for (const value of values) min = Math.min(min, value);
  return min;
}
