import { describe, expect, it } from 'vitest';
import {
  aggregate,
  aggregateAverage,
  aggregateMajority,
  aggregateMedian,
  aggregateTrimmedMean,
  aggregateWeightedMedian,
  interquartileRange,
  rejectOutliersMad,
} from '../../src/coordinator/aggregator.ts';

describe('aggregateAverage', () => {
  it('is the arithmetic mean', () => {
    expect(aggregateAverage([1, 2, 3, 4])).toBe(2.5);
    expect(aggregateAverage([42120.5, 42150.8])).toBeCloseTo(42135.65, 9);
  });
  it('returns a single value unchanged', () => {
    expect(aggregateAverage([7.25])).toBe(7.25);
  });
  it('does not overflow on huge values', () => {
    expect(aggregateAverage([Number.MAX_VALUE, Number.MAX_VALUE])).toBe(Number.MAX_VALUE);
    expect(aggregateAverage([Number.MAX_VALUE, -Number.MAX_VALUE])).toBe(0);
  });
  it('stays within the range of its input despite rounding', () => {
    expect(aggregateAverage([0.1, 0.1, 0.1])).toBe(0.1);
  });
});

describe('aggregateMedian', () => {
  it('takes the middle of an odd count', () => {
    expect(aggregateMedian([5, 1, 3])).toBe(3);
  });
  it('takes the midpoint of the two middle values of an even count', () => {
    expect(aggregateMedian([4, 1, 3, 2])).toBe(2.5);
  });
  it('returns a single value unchanged', () => {
    expect(aggregateMedian([9])).toBe(9);
  });
  it('ignores one wild value where the average does not', () => {
    expect(aggregateMedian([100, 101, 1e9])).toBe(101);
  });
  it('does not overflow between two huge middle values', () => {
    expect(aggregateMedian([Number.MAX_VALUE, Number.MAX_VALUE])).toBe(Number.MAX_VALUE);
  });
  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    aggregateMedian(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('aggregateMajority', () => {
  it('averages the group that holds more than half of the values', () => {
    expect(aggregateMajority([100, 100.2, 99.9, 500], 0.005)).toEqual({ ok: true, value: (100 + 100.2 + 99.9) / 3 });
  });
  it('finds exact-value majorities with zero tolerance', () => {
    expect(aggregateMajority([1, 1, 2], 0)).toEqual({ ok: true, value: 1 });
  });
  it('reports no majority on a tie', () => {
    const outcome = aggregateMajority([1, 1, 2, 2], 0);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toMatch(/no majority: the largest group of agreeing values holds 2 of 4/);
  });
  it('reports no majority when every value disagrees', () => {
    expect(aggregateMajority([1, 2, 3], 0.01).ok).toBe(false);
  });
  it('treats exactly half as no majority', () => {
    expect(aggregateMajority([10, 10, 20, 30], 0).ok).toBe(false);
  });
  it('accepts a single value as its own majority', () => {
    expect(aggregateMajority([3], 0)).toEqual({ ok: true, value: 3 });
  });
  it('works on negative values', () => {
    expect(aggregateMajority([-100, -100.1, -50], 0.01)).toEqual({ ok: true, value: -100.05 });
  });
  it('rejects a tolerance outside [0, 1)', () => {
    expect(() => aggregateMajority([1], 1)).toThrow(RangeError);
    expect(() => aggregateMajority([1], -0.1)).toThrow(RangeError);
    expect(() => aggregateMajority([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('aggregateTrimmedMean', () => {
  it('drops ⌊n·trim⌋ values from each end', () => {
    expect(aggregateTrimmedMean([1, 2, 3, 4, 1000], 0.2)).toBe(3);
    expect(aggregateTrimmedMean([-1000, 1, 2, 3, 4, 5, 6, 7, 8, 1000], 0.1)).toBe(4.5);
  });
  it('drops nothing when n·trim is below one, and is the mean at trim 0', () => {
    expect(aggregateTrimmedMean([1, 2, 9], 0.2)).toBe(4);
    expect(aggregateTrimmedMean([1, 2, 3, 10], 0)).toBe(4);
  });
  it('returns a single value unchanged and handles even counts', () => {
    expect(aggregateTrimmedMean([5], 0.4)).toBe(5);
    expect(aggregateTrimmedMean([1, 2, 3, 4], 0.25)).toBe(2.5);
  });
  it('rejects a trim outside [0, 0.5)', () => {
    expect(() => aggregateTrimmedMean([1, 2], 0.5)).toThrow(RangeError);
    expect(() => aggregateTrimmedMean([1, 2], -0.1)).toThrow(RangeError);
  });
});

describe('aggregateWeightedMedian', () => {
  it('follows the weight rather than the count', () => {
    expect(aggregateWeightedMedian([100, 101, 500, 500, 500], [1, 1, 0.1, 0.1, 0.1])).toBe(101);
    expect(aggregateWeightedMedian([100, 101, 500, 500, 500], [1, 1, 1, 1, 1])).toBe(500);
  });
  it('is the lower median with equal weights and an even count', () => {
    expect(aggregateWeightedMedian([4, 1, 3, 2], [1, 1, 1, 1])).toBe(2);
  });
  it('returns a single value unchanged, and falls back to the median when every weight is 0', () => {
    expect(aggregateWeightedMedian([7], [0.3])).toBe(7);
    expect(aggregateWeightedMedian([1, 2, 3, 4], [0, 0, 0, 0])).toBe(2.5);
  });
  it('rejects missing, negative or non-finite weights', () => {
    expect(() => aggregateWeightedMedian([1, 2], [1])).toThrow(RangeError);
    expect(() => aggregateWeightedMedian([1, 2], [1, -1])).toThrow(RangeError);
    expect(() => aggregateWeightedMedian([1, 2], [1, Number.NaN])).toThrow(RangeError);
  });
});

describe('rejectOutliersMad', () => {
  it('rejects wild values and keeps the honest ones', () => {
    const values = [100, 100.1, 99.9, 100.05, 99.95, 1000, 1];
    expect(rejectOutliersMad(values, 3)).toEqual([false, false, false, false, false, true, true]);
  });
  it('keeps everything when the values are close together', () => {
    expect(rejectOutliersMad([10, 11, 12, 13, 14], 3).some(Boolean)).toBe(false);
  });
  it('rejects every value that differs from a majority of equal ones', () => {
    expect(rejectOutliersMad([5, 5, 5, 6], 3)).toEqual([false, false, false, true]);
    expect(rejectOutliersMad([5, 5, 5], 3)).toEqual([false, false, false]);
  });
  it('keeps a single value', () => {
    expect(rejectOutliersMad([42], 3)).toEqual([false]);
  });
  it('keeps at least half the values, however small k is', () => {
    expect(rejectOutliersMad([42_000, 42_000, 44_000, 44_000], 0.5)).toEqual([false, false, false, false]);
    expect(rejectOutliersMad([1, 2, 3, 100], 0.1).filter((rejected) => !rejected).length).toBeGreaterThanOrEqual(2);
  });
  it('does not overflow on finite values far apart', () => {
    expect(rejectOutliersMad([1e308, -1e308, 1e308, 1e308, 42_000], 3)).toEqual([false, true, false, false, true]);
  });
  it('never rejects a value within the relative floor of the median, however small the MAD', () => {
    const tight = [100, 100.001, 100.002, 100.003, 100.2];
    expect(rejectOutliersMad(tight, 3)).toEqual([false, false, false, false, true]);
    expect(rejectOutliersMad(tight, 3, 0.005)).toEqual([false, false, false, false, false]);
    expect(rejectOutliersMad([5, 5, 5, 5.01, 9], 3, 0.005)).toEqual([false, false, false, false, true]);
  });
  it('rejects a k that is not positive and finite', () => {
    expect(() => rejectOutliersMad([1, 2], 0)).toThrow(RangeError);
    expect(() => rejectOutliersMad([1, 2], Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('interquartileRange', () => {
  it('is Q3 − Q1 with linear interpolation', () => {
    expect(interquartileRange([1, 2, 3, 4, 5])).toBe(2);
    expect(interquartileRange([1, 2, 3, 4])).toBe(1.5);
  });
  it('is 0 for one value or identical values', () => {
    expect(interquartileRange([3])).toBe(0);
    expect(interquartileRange([3, 3, 3])).toBe(0);
  });
  it('stays finite for huge values of opposite sign', () => {
    expect(Number.isFinite(interquartileRange([-Number.MAX_VALUE, Number.MAX_VALUE]))).toBe(true);
  });
});

describe('aggregate', () => {
  const options = { majorityTolerance: 0.01 };
  it('dispatches on the strategy', () => {
    expect(aggregate('average', [1, 2, 6], options)).toEqual({ ok: true, value: 3 });
    expect(aggregate('median', [1, 2, 6], options)).toEqual({ ok: true, value: 2 });
    expect(aggregate('majority', [1, 1, 6], options)).toEqual({ ok: true, value: 1 });
    expect(aggregate('trimmed_mean', [1, 2, 3, 4, 100], options)).toEqual({ ok: true, value: 3 });
    expect(aggregate('weighted_median', [1, 2, 100], { ...options, weights: [0, 0.1, 1] })).toEqual({ ok: true, value: 100 });
  });
  it.each(['average', 'median', 'majority', 'trimmed_mean', 'weighted_median'] as const)('%s rejects empty input', (strategy) => {
    expect(() => aggregate(strategy, [], options)).toThrow(/empty/);
  });
  it.each([
    ['average', Number.NaN],
    ['median', Number.POSITIVE_INFINITY],
    ['majority', Number.NEGATIVE_INFINITY],
    ['trimmed_mean', Number.NaN],
    ['weighted_median', Number.POSITIVE_INFINITY],
  ] as const)('%s rejects the non-finite value %s', (strategy, bad) => {
    expect(() => aggregate(strategy, [1, bad, 2], options)).toThrow(/non-finite/);
  });
});
