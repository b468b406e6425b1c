import { describe, expect, it } from 'vitest';
import { normaliseInstant, parseInstant } from '../../src/contract/instant.ts';

/** Date.UTC reads the years 0–99 as 1900–1999; this does not. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, millisecond = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  return date.getTime();
}

describe('parseInstant', () => {
  it('reads RFC 3339 date-times', () => {
    expect(parseInstant('2026-11-29T17:40:00Z')).toBe(Date.UTC(2026, 10, 29, 17, 40));
    expect(parseInstant('2026-11-29T18:40:00.250+01:00')).toBe(Date.UTC(2026, 10, 29, 17, 40, 0, 250));
  });
  it('reads every spelling RFC 3339 section 5.6 allows', () => {
    expect(parseInstant('2026-11-29t17:40:00z')).toBe(Date.UTC(2026, 10, 29, 17, 40));
    expect(parseInstant('2026-11-29T12:10:00-05:30')).toBe(Date.UTC(2026, 10, 29, 17, 40));
    expect(parseInstant('2026-11-29T17:40:00-00:00')).toBe(Date.UTC(2026, 10, 29, 17, 40));
    expect(parseInstant('2026-11-29T17:40:00.5Z')).toBe(Date.UTC(2026, 10, 29, 17, 40, 0, 500));
    // Digits beyond the millisecond are dropped, as Date.parse drops them.
    expect(parseInstant('2026-11-29T17:40:00.123456789Z')).toBe(Date.UTC(2026, 10, 29, 17, 40, 0, 123));
    expect(parseInstant('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseInstant('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
  });
  it('reads the years 0000–0099 as themselves', () => {
    expect(parseInstant('0099-01-01T00:00:00Z')).toBe(utc(99, 1, 1));
    expect(parseInstant('0000-01-01T00:00:00Z')).toBe(utc(0, 1, 1));
    expect(parseInstant('0031-12-31T23:59:59.999Z')).toBe(utc(31, 12, 31, 23, 59, 59, 999));
  });
  it('reads a leap second as the last millisecond of its minute', () => {
    expect(parseInstant('2026-06-30T23:59:60Z')).toBe(Date.UTC(2026, 5, 30, 23, 59, 59, 999));
    expect(parseInstant('2026-06-30T23:59:60.5-00:00')).toBe(Date.UTC(2026, 5, 30, 23, 59, 59, 999));
  });
  it('refuses what is not a date-time', () => {
    expect(parseInstant('yesterday')).toBeUndefined();
    expect(parseInstant('2026-13-45T99:99:60Z')).toBeUndefined();
  });
  it.each([
    ['a space for the T', '2026-11-29 17:40:00Z'],
    ['a newline for the T', '2026-11-29\n17:40:00Z'],
    ['a tab for the T', '2026-11-29\t17:40:00Z'],
    ['no seconds', '2026-11-29T17:40Z'],
    ['no offset', '2026-11-29T17:40:00'],
    ['an offset without a colon', '2026-11-29T17:40:00+0530'],
    ['an offset without minutes', '2026-11-29T17:40:00+05'],
    ['an offset of 24 hours', '2026-11-29T17:40:00+24:00'],
    ['an offset of 60 minutes', '2026-11-29T17:40:00+05:60'],
    ['a fraction without digits', '2026-11-29T17:40:00.Z'],
    ['a comma for the point', '2026-11-29T17:40:00,5Z'],
    ['hour 24', '2026-11-29T24:00:00Z'],
    ['minute 60', '2026-11-29T17:60:00Z'],
    ['second 61', '2026-11-29T17:40:61Z'],
    ['February 29 of a common year', '2026-02-29T00:00:00Z'],
    ['February 29 of 1900', '1900-02-29T00:00:00Z'],
    ['April 31', '2026-04-31T00:00:00Z'],
    ['day 0', '2026-04-00T00:00:00Z'],
    ['month 0', '2026-00-10T00:00:00Z'],
    ['a five-digit year', '+12026-01-01T00:00:00Z'],
    ['a date alone', '2026-11-29'],
    ['leading white space', ' 2026-11-29T17:40:00Z'],
    ['trailing white space', '2026-11-29T17:40:00Z '],
    ['non-ASCII digits', '２０２６-11-29T17:40:00Z'],
  ])('refuses %s', (_name, text) => {
    expect(parseInstant(text)).toBeUndefined();
  });
});

describe('normaliseInstant', () => {
  it('writes the instant in UTC with milliseconds, as toISOString does', () => {
    expect(normaliseInstant('2026-11-29t18:40:00+01:00')).toBe('2026-11-29T17:40:00.000Z');
    expect(normaliseInstant('2026-11-29T17:40:00.123456Z')).toBe('2026-11-29T17:40:00.123Z');
    expect(normaliseInstant('0099-01-01T00:00:00z')).toBe('0099-01-01T00:00:00.000Z');
  });
  it('writes a leap second as the last millisecond of its minute', () => {
    expect(normaliseInstant('2026-06-30T23:59:60Z')).toBe('2026-06-30T23:59:59.999Z');
  });
  it('refuses what is not RFC 3339, and instants whose UTC form falls outside the years 0000–9999', () => {
    expect(normaliseInstant('2026-11-29 17:40:00Z')).toBeUndefined();
    expect(normaliseInstant('0000-01-01T00:30:00+01:00')).toBeUndefined();
    expect(normaliseInstant('9999-12-31T23:30:00-01:00')).toBeUndefined();
    expect(normaliseInstant('0000-01-01T00:00:00Z')).toBe('0000-01-01T00:00:00.000Z');
    expect(normaliseInstant('9999-12-31T23:59:59.999Z')).toBe('9999-12-31T23:59:59.999Z');
  });
});
