/**
 * Go's `time.Duration` string form, which the design document uses on the wire ("120ms").
 * Durations at or above one second print as seconds with up to three decimals ("1.5s"),
 * shorter ones as whole milliseconds ("120ms"), and sub-millisecond ones in µs, as Go does.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  if (ms >= 1000) return `${trimDecimals(ms / 1000, 3)}s`;
  if (ms >= 1) return `${Math.round(ms)}ms`;
  const micros = Math.round(ms * 1000);
  return micros === 0 ? '0s' : `${micros}µs`;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/gy;

/** Parses a Go duration string to milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  PART.lastIndex = 0;
  let total = 0;
  let matched = 0;
  for (let m = PART.exec(text); m !== null; m = PART.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
    matched = PART.lastIndex;
  }
  return matched === text.length && matched > 0 && Number.isFinite(total) ? total : undefined;
}

function trimDecimals(value: number, decimals: number): string {
  return value.toFixed(decimals).replace(/\.?0+$/, '');
}
