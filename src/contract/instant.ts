/**
 * Reads the date-times the specs accept (RFC 3339, `format: date-time`) as epoch milliseconds.
 * RFC 3339 allows a leap second ("23:59:60"), which Date.parse rejects; it is read as the last
 * millisecond of that minute, which is where the market prices it.
 */
export function parseInstant(raw: string): number | undefined {
  // RFC 3339 allows a space or a lower-case t and z; Date.parse reads "0099-01-01 00:00Z" with
  // V8's legacy parser, as 1999. Normalise to the ISO form it reads exactly.
  const text = raw.replace(/^(\d{4}-\d{2}-\d{2})[Tt ]/, '$1T').replace(/z$/, 'Z');
  const parsed = Date.parse(text);
  if (!Number.isNaN(parsed)) return parsed;
  const leap = /^(.*T\d{2}:\d{2}:)60(?:\.\d+)?(.*)$/i.exec(text);
  if (leap === null) return undefined;
  const lastMillisecond = Date.parse(`${leap[1]}59.999${leap[2]}`);
  return Number.isNaN(lastMillisecond) ? undefined : lastMillisecond;
}
