/**
 * When a feed publishes: the one rule every feed follows, as Chainlink's OCR median plugin
 * (`shouldReport`: deviation or heartbeat), API3's Airseeker and Pyth's price pusher do. A poll
 * that could not give a trustworthy value is never published; a good one is published when the
 * feed has no value yet, when the heartbeat is due, or when it moved far enough from the last
 * published value. Pure: the lab runs exactly this rule on simulated time.
 */

/** What one poll of a feed came back with. */
export type PollResult = { readonly answered: true; readonly value: number; readonly partial: boolean } | { readonly answered: false };

export interface LastPublication {
  readonly value: number;
  readonly publishedAtMs: number;
}

export interface UpdatePolicy {
  /** Publish when |new − last| / |last| reaches this many basis points. */
  readonly deviationBps: number;
  /** Publish when this long has passed since the last publication. */
  readonly heartbeatMs: number;
  /** A value outside [minAnswer, maxAnswer] is never published. */
  readonly minAnswer?: number | undefined;
  readonly maxAnswer?: number | undefined;
}

export const PUBLISH_REASONS = ['first', 'heartbeat', 'deviation'] as const;
export const SKIP_REASONS = ['no_usable_answer', 'partial', 'out_of_bounds', 'unchanged'] as const;
export type PublishReason = (typeof PUBLISH_REASONS)[number];
export type SkipReason = (typeof SKIP_REASONS)[number];

export type UpdateDecision =
  | { readonly publish: true; readonly reason: PublishReason; readonly deviationBps: number | undefined }
  | { readonly publish: false; readonly reason: SkipReason; readonly deviationBps: number | undefined };

export function decideUpdate(poll: PollResult, last: LastPublication | undefined, policy: UpdatePolicy, nowMs: number): UpdateDecision {
  if (!poll.answered) return { publish: false, reason: 'no_usable_answer', deviationBps: undefined };
  const deviationBps = last === undefined ? undefined : deviationInBps(poll.value, last.value);
  if (poll.partial) return { publish: false, reason: 'partial', deviationBps };
  if (isOutOfBounds(poll.value, policy)) return { publish: false, reason: 'out_of_bounds', deviationBps };
  if (last === undefined) return { publish: true, reason: 'first', deviationBps };
  if (reachesDeviation(poll.value, last.value, policy.deviationBps)) return { publish: true, reason: 'deviation', deviationBps };
  if (nowMs - last.publishedAtMs >= policy.heartbeatMs) return { publish: true, reason: 'heartbeat', deviationBps };
  return { publish: false, reason: 'unchanged', deviationBps };
}

/**
 * |new − last| · 10⁴ ≥ threshold · |last|, multiplied out so that a move of exactly the
 * threshold counts (no division, so no rounding at the boundary). From a last value of 0, any
 * move reaches it.
 */
function reachesDeviation(value: number, last: number, thresholdBps: number): boolean {
  return Math.abs(value - last) * 10_000 >= thresholdBps * Math.abs(last) && value !== last;
}

/** The move from `last` in basis points; the largest finite number when `last` is 0 and the value is not. */
export function deviationInBps(value: number, last: number): number {
  if (value === last) return 0;
  if (last === 0) return Number.MAX_VALUE;
  return Math.min(Number.MAX_VALUE, (Math.abs(value - last) / Math.abs(last)) * 10_000);
}

function isOutOfBounds(value: number, policy: UpdatePolicy): boolean {
  return (policy.minAnswer !== undefined && value < policy.minAnswer) || (policy.maxAnswer !== undefined && value > policy.maxAnswer);
}
