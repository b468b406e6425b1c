/**
 * Whether a source may be called now, across all its pairs: not while it backs off after a 429
 * (or a 503) with Retry-After, and not beyond its own `max_calls_per_minute` (a token bucket
 * that refills continuously, so a burst may use a minute's calls at once and then one call per
 * 60/N s). The cache in front of it already keeps each pair to one call per interval; this keeps
 * the source's total within what the provider allows.
 */
import { formatWait } from './retry-after.ts';

/** The longest back-off a provider can ask for; a Retry-After of days would silence a source for good. */
export const MAX_BACKOFF_MS = 3_600_000;

export class SourceGate {
  #tokens: number;
  #refilledAt: number;
  #backoffUntil = 0;
  #backoffReason = '';

  constructor(
    private readonly maxCallsPerMinute: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = maxCallsPerMinute ?? 0;
    this.#refilledAt = now();
  }

  /** Why the source may not be called now; undefined when it may, and then the call is counted. */
  admit(): string | undefined {
    const now = this.now();
    if (now < this.#backoffUntil) return `backing off after ${this.#backoffReason} (retry in ${formatWait(this.#backoffUntil - now)})`;
    const limit = this.maxCallsPerMinute;
    if (limit === undefined) return undefined;
    this.#tokens = Math.min(limit, this.#tokens + ((now - this.#refilledAt) * limit) / 60_000);
    this.#refilledAt = now;
    if (this.#tokens < 1) {
      const waitMs = ((1 - this.#tokens) * 60_000) / limit;
      return `local limit of ${limit} calls a minute reached (next call in ${formatWait(waitMs)})`;
    }
    this.#tokens -= 1;
    return undefined;
  }

  /** No calls for `ms` (at most MAX_BACKOFF_MS); `reason` ("HTTP 429") is quoted while it lasts. */
  backOff(ms: number, reason: string): void {
    this.#backoffUntil = Math.max(this.#backoffUntil, this.now() + Math.min(ms, MAX_BACKOFF_MS));
    this.#backoffReason = reason;
  }
}
