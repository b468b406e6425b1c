/**
 * The feed update rule replayed offline over a recorded poll series, on simulated time: which
 * polls one setting publishes, what a reader reads at every poll moment, and how far that is from
 * the truth. The polls do not depend on the setting, so a sweep records them once and replays
 * them once per setting; the rule is the coordinator's own `decideUpdate`.
 */
import {
  decideUpdate,
  deviationInBps,
  PUBLISH_REASONS,
  SKIP_REASONS,
  type LastPublication,
  type PollResult,
  type PublishReason,
  type SkipReason,
  type UpdatePolicy,
} from '../coordinator/feeds/update-rule.ts';
import { percentile } from '../stats/quantiles.ts';

export interface RecordedPoll {
  /** The simulated moment polled (the round's `as_of`), epoch ms: the rule's `nowMs`. */
  readonly atMs: number;
  /** The market's truth at that moment. */
  readonly truth: number;
  readonly result: PollResult;
}

export interface FeedPublication {
  readonly pollIndex: number;
  readonly atMs: number;
  readonly value: number;
  readonly reason: PublishReason;
}

export interface FeedFigures {
  readonly polls: number;
  readonly publications: number;
  /** Publications per hour of the simulated time the polls cover. */
  readonly perHour: number;
  readonly byReason: Readonly<Record<PublishReason, number>>;
  readonly skipped: Readonly<Record<SkipReason, number>>;
  /** Poll moments before the first publication: nothing to read, so left out of the errors. */
  readonly unserved: number;
  /** Over the poll moments with a value to read; undefined when there were none. */
  readonly meanErrorBps: number | undefined;
  readonly p99ErrorBps: number | undefined;
  readonly maxErrorBps: number | undefined;
  /**
   * The longest stretch of simulated time between two publications, the stretch from the last
   * publication to the last poll included; undefined without a publication.
   */
  readonly longestGapMs: number | undefined;
}

export interface FeedReplay {
  readonly publications: readonly FeedPublication[];
  /**
   * At every poll moment, the deviation in bps of the value a reader reads (the latest
   * publication, this moment's included) from the truth; undefined before the first publication.
   */
  readonly readerErrorsBps: readonly (number | undefined)[];
  readonly figures: FeedFigures;
}

/** Replays `polls` (in time order) under `policy`; `spanMs` is the simulated time they cover. */
export function replayFeed(polls: readonly RecordedPoll[], policy: UpdatePolicy, spanMs: number): FeedReplay {
  const publications: FeedPublication[] = [];
  const readerErrorsBps: (number | undefined)[] = [];
  const skipped = countOf(SKIP_REASONS);
  let last: LastPublication | undefined;
  for (const [pollIndex, poll] of polls.entries()) {
    const decision = decideUpdate(poll.result, last, policy, poll.atMs);
    if (!decision.publish) skipped[decision.reason]++;
    else if (poll.result.answered) {
      last = { value: poll.result.value, publishedAtMs: poll.atMs };
      publications.push({ pollIndex, atMs: poll.atMs, value: poll.result.value, reason: decision.reason });
    }
    readerErrorsBps.push(last === undefined ? undefined : deviationInBps(last.value, poll.truth));
  }
  const byReason = countOf(PUBLISH_REASONS);
  for (const publication of publications) byReason[publication.reason]++;
  const errors = readerErrorsBps.filter((e) => e !== undefined);
  const lastPoll = polls.at(-1);
  const gaps = publications.map((p, i) => (publications[i + 1]?.atMs ?? lastPoll?.atMs ?? p.atMs) - p.atMs);
  return {
    publications,
    readerErrorsBps,
    figures: {
      polls: polls.length,
      publications: publications.length,
      perHour: spanMs > 0 ? (publications.length * 3_600_000) / spanMs : 0,
      byReason,
      skipped,
      unserved: readerErrorsBps.length - errors.length,
      meanErrorBps: errors.length === 0 ? undefined : errors.reduce((a, b) => a + b, 0) / errors.length,
      p99ErrorBps: percentile(errors, 99),
      maxErrorBps: errors.length === 0 ? undefined : errors.reduce((a, b) => Math.max(a, b)),
      longestGapMs: gaps.length === 0 ? undefined : gaps.reduce((a, b) => Math.max(a, b)),
    },
  };
}

function countOf<const K extends string>(keys: readonly K[]): Record<K, number> {
  const counts = {} as Record<K, number>;
  for (const key of keys) counts[key] = 0;
  return counts;
}
