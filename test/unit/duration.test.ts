import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/contract/duration.ts';

describe('formatDuration', () => {
  it.each([
    [120, '120ms'],
    [119.6, '120ms'],
    [1500, '1.5s'],
    [2000, '2s'],
    [0.25, '250µs'],
    [0, '0s'],
    [-5, '0s'],
    [Number.NaN, '0s'],
  ])('formats %s ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('matches the spec pattern for Duration', () => {
    for (const ms of [0, 0.0004, 0.5, 7, 999.4, 1000, 61_234.5]) {
      expect(formatDuration(ms)).toMatch(/^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$/);
    }
  });
});

describe('parseDuration', () => {
  it.each([
    ['120ms', 120],
    ['1.5s', 1500],
    ['2m3.5s', 123_500],
    ['250µs', 0.25],
    ['0', 0],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });
  it.each(['', 'ms', '12', '1.5', '5 ms', '3d'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
  it('round-trips what formatDuration writes', () => {
    for (const ms of [3, 120, 1500, 42_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
