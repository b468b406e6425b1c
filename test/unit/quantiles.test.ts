import { describe, expect, it } from 'vitest';
import { lineChart } from '../../src/lab/svg.ts';
import { maximum, median, minimum, percentile, percentileOfSorted } from '../../src/stats/quantiles.ts';

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

describe('maximum and minimum', () => {
  it('take any number of values, from a floor or ceiling, as Math.max and Math.min do', () => {
    expect(maximum([3, 9, 1], 1)).toBe(9);
    expect(maximum([], 1)).toBe(1);
    expect(minimum([3, 9, 1])).toBe(1);
    expect(minimum([], 0)).toBe(0);
    expect(maximum([1, Number.NaN])).toBeNaN();
    // Math.max(...values) throws RangeError past some 120,000 arguments.
    const many = Array.from({ length: 300_000 }, (_, i) => i);
    expect(maximum(many)).toBe(299_999);
    expect(minimum(many, 5)).toBe(0);
  });

  it('lets a chart of 300,000 points be drawn', () => {
    const points = Array.from({ length: 300_000 }, (_, i) => [i, i % 7] as const);
    const svg = lineChart([{ label: 'many', points }], { title: 't', xLabel: 'x', yLabel: 'y', yMin: 0, yMax: 10 });
    expect(svg).toContain('<svg');
  });
});
