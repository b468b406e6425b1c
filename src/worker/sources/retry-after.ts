/** RFC 9110's Retry-After: a number of seconds, or an HTTP date. */

/** How long to wait, in ms from `nowMs`; undefined when the header is absent or unreadable. */
export function parseRetryAfter(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP date names its day or month; Date.parse would read "-5" as a year.
  if (!/[A-Za-z]{3}/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** "30 s", rounded up, for messages. */
export function formatWait(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}
