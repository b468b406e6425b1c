import { describe, expect, it } from 'vitest';
import { aggregate, aggregateAverage, aggregateMajority, aggregateMedian } from '../../src/coordinator/aggregator.ts';

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

describe('aggregate', () => {
  const options = { majorityTolerance: 0.01 };
  it('dispatches on the strategy', () => {
    expect(aggregate('average', [1, 2, 6], options)).toEqual({ ok: true, value: 3 });
    expect(aggregate('median', [1, 2, 6], options)).toEqual({ ok: true, value: 2 });
    expect(aggregate('majority', [1, 1, 6], options)).toEqual({ ok: true, value: 1 });
  });
  it.each(['average', 'median', 'majority'] as const)('%s rejects empty input', (strategy) => {
    expect(() => aggregate(strategy, [], options)).toThrow(/empty/);
  });
  it.each([
    ['average', Number.NaN],
    ['median', Number.POSITIVE_INFINITY],
    ['majority', Number.NEGATIVE_INFINITY],
  ] as const)('%s rejects the non-finite value %s', (strategy, bad) => {
    expect(() => aggregate(strategy, [1, bad, 2], options)).toThrow(/non-finite/);
  });
});
