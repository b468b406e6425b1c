/**
 * Reads the date-times the specs accept (RFC 3339, `format: date-time`) as epoch milliseconds.
 * RFC 3339 allows a leap second ("23:59:60"), which Date.parse rejects; it is read as the last
 * millisecond of that minute, which is where the market prices it.
 */
export function parseInstant(text: string): number | undefined {
  const parsed = Date.parse(text);
  if (!Number.isNaN(parsed)) return parsed;
  const leap = /^(.*T\d{2}:\d{2}:)60(?:\.\d+)?(.*)$/i.exec(text);
  if (leap === null) return undefined;
  const lastMillisecond = Date.parse(`${leap[1]}59.999${leap[2]}`);
  return Number.isNaN(lastMillisecond) ? undefined : lastMillisecond;
}
