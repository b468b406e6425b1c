/**
 * Reads the date-times the specs accept (`format: date-time`, which is RFC 3339 section 5.6's
 * `date-time`) as epoch milliseconds, and writes them back in one spelling.
 *
 * Exactly that grammar: a "T" (or "t") between date and time, seconds required, a fraction
 * optional, "Z" (or "z") or a ±hh:mm offset, a day that exists in its month. The validator's
 * date-time (ajv-formats) also lets through a space or any other white space for the "T" and
 * offsets without a colon or without minutes; Date.parse reads yet more (no offset at all, as
 * local time; hour 24; February 30 as March 2). Those are refused here. RFC 3339 allows a leap
 * second ("23:59:60"), which Date.parse rejects; it is read as the last millisecond of that
 * minute, which is where the market prices it.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** The instants whose UTC form is an RFC 3339 date-time: the years 0000 to 9999. */
const EARLIEST = Date.parse('0000-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

export function parseInstant(raw: string): number | undefined {
  const match = DATE_TIME.exec(raw);
  if (match === null) return undefined;
  const field = (index: number) => Number(match[index] ?? 0);
  const [year, month, day, hour, minute, second] = [field(1), field(2), field(3), field(4), field(5), field(6)];
  const [offsetHours, offsetMinutes] = [field(9), field(10)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  // Digits beyond the millisecond are dropped, as Date.parse drops them.
  const millisecond = second === 60 ? 999 : Number((match[7] ?? '').slice(0, 3).padEnd(3, '0'));
  // setUTCFullYear, not Date.UTC, which reads the years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, Math.min(second, 59), millisecond);
  const offsetMs = (match[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return date.getTime() - offsetMs;
}

/**
 * The instant as `new Date(ms).toISOString()` writes it (UTC, with milliseconds; a leap second
 * as the last millisecond of its minute), or undefined when `raw` is not an RFC 3339 date-time
 * or its UTC form would fall outside the years 0000–9999, where toISOString's form is not one.
 */
export function normaliseInstant(raw: string): string | undefined {
  const ms = parseInstant(raw);
  if (ms === undefined || ms < EARLIEST || ms > LATEST) return undefined;
  return new Date(ms).toISOString();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
