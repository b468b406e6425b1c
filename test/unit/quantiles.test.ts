import { describe, expect, it } from 'vitest';
import { median, percentile, percentileOfSorted } from '../../src/stats/quantiles.ts';

describe('percentile (nearest rank)', () => {
  it.each([
    [50, 2],
    [25, 1],
    [75, 3],
    [99, 4],
    [100, 4],
    [0, 1],
  ])('gives p%s of [4, 1, 3, 2] as %s, one of the values', (p, expected) => {
    expect(percentile([4, 1, 3, 2], p)).toBe(expected);
  });

  it('is undefined without values and does not reorder its input', () => {
    expect(percentile([], 50)).toBeUndefined();
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
    expect(percentileOfSorted([1, 2, 3], 99)).toBe(3);
  });
});

describe('median', () => {
  it('takes the middle value, and the midpoint of the two middle ones for an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median(Float64Array.from([4, 1, 3, 2]))).toBe(2.5);
    expect(median([])).toBeUndefined();
  });

  it('does not overflow for huge values', () => {
    expect(median([Number.MAX_VALUE, Number.MAX_VALUE])).toBe(Number.MAX_VALUE);
  });
});
