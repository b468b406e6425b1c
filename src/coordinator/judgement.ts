/**
 * The coordinator's judgement of one worker's answer: the `reliable` it shows the client, and
 * the deviation from the consensus that the worker's health learns from.
 */
import { relativeDeviation } from './aggregator.ts';

export interface Judgement {
  readonly reliable: boolean;
  /** Signed relative deviation from the consensus; undefined for a failure or when there was none. */
  readonly deviation: number | undefined;
  /** Dropped by MAD rejection before aggregating. */
  readonly rejected: boolean;
}

/**
 * `value` is undefined for a task that failed. An answer is reliable when it was not rejected
 * and lies within `tolerance` of the consensus (or there was no consensus to compare with).
 */
export function judgeAnswer(value: number | undefined, consensus: number | undefined, rejected: boolean, tolerance: number): Judgement {
  if (value === undefined) return { reliable: false, deviation: undefined, rejected: false };
  const deviation = consensus === undefined ? undefined : relativeDeviation(value, consensus);
  return { reliable: !rejected && (deviation === undefined || Math.abs(deviation) <= tolerance), deviation, rejected };
}

/** An answer that counts as an outlier in the note: usable, kept, but too far from the consensus. */
export function isOutlier(judgement: Judgement): boolean {
  return judgement.deviation !== undefined && !judgement.reliable && !judgement.rejected;
}
