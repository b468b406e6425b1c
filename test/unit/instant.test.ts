import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/contract/instant.ts';

describe('parseInstant', () => {
  it('reads RFC 3339 date-times', () => {
    expect(parseInstant('2026-11-29T17:40:00Z')).toBe(Date.UTC(2026, 10, 29, 17, 40));
    expect(parseInstant('2026-11-29T18:40:00.250+01:00')).toBe(Date.UTC(2026, 10, 29, 17, 40, 0, 250));
  });
  it('reads a leap second as the last millisecond of its minute', () => {
    expect(parseInstant('2026-06-30T23:59:60Z')).toBe(Date.UTC(2026, 5, 30, 23, 59, 59, 999));
    expect(parseInstant('2026-06-30T23:59:60.5-00:00')).toBe(Date.UTC(2026, 5, 30, 23, 59, 59, 999));
  });
  it('refuses what is not a date-time', () => {
    expect(parseInstant('yesterday')).toBeUndefined();
    expect(parseInstant('2026-13-45T99:99:60Z')).toBeUndefined();
  });
});
