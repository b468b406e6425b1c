/**
 * Feed studies: a lab run's polls (one series per strategy, recorded once) replayed under each
 * feed setting of a sweep, and the trade-off between updates and reader error as a table.
 */
import type { PollResult } from '../coordinator/feeds/update-rule.ts';
import { replayFeed, type FeedFigures, type FeedPublication, type RecordedPoll } from './feed-replay.ts';
import type { LabRun, VariantRun } from './run.ts';
import type { FeedPlan, FeedSetting } from './scenario.ts';
import { formatBps, formatSpan, formatTable } from './format.ts';

export interface FeedStudyRecord {
  /** The strategy variant whose polls were replayed. */
  readonly variant: string;
  readonly setting: FeedSetting;
  readonly figures: FeedFigures;
  readonly publications: readonly FeedPublication[];
  /** Per poll moment, the reader's error in bps; undefined (null in JSON) before the first publication. */
  readonly readerErrorsBps: readonly (number | undefined)[];
}

export interface FeedStudy {
  readonly plan: FeedPlan;
  /** The simulated time the polls cover: polls × poll interval. */
  readonly spanMs: number;
  readonly settings: readonly FeedSetting[];
  /** Variant by variant, each with one record per setting in the settings' order. */
  readonly records: readonly FeedStudyRecord[];
}

/** Replays every variant's polls under every setting (by default the feed block's own). */
export function studyFeeds(lab: LabRun, plan: FeedPlan, settings: readonly FeedSetting[] = [plan.setting]): FeedStudy {
  const spanMs = lab.scenario.requests * plan.pollIntervalMs;
  const records = lab.runs.flatMap((run) => {
    const polls = recordedPolls(run);
    return settings.map((setting) => {
      const replay = replayFeed(
        polls,
        { deviationBps: setting.deviationBps, heartbeatMs: setting.heartbeatMs, minAnswer: plan.minAnswer, maxAnswer: plan.maxAnswer },
        spanMs,
      );
      return { variant: run.variant.label, setting, ...replay };
    });
  });
  return { plan, spanMs, settings, records };
}

/** A variant's requests as the polls of a feed: a 503 is no usable answer, a partial result stays partial. */
function recordedPolls(run: VariantRun): RecordedPoll[] {
  return run.records.map((record) => {
    const result: PollResult =
      record.finalValue === undefined ? { answered: false } : { answered: true, value: record.finalValue, partial: record.partial };
    return { atMs: record.asOfMs, truth: record.truth, result };
  });
}

const COLUMNS = [
  'strategy',
  'deviation_bps',
  'heartbeat',
  'updates',
  'per hour',
  'on deviation',
  'on heartbeat',
  'mean err (bps)',
  'p99 err (bps)',
  'max err (bps)',
  'longest gap',
];

export function feedStudyRows(study: FeedStudy): string[][] {
  return study.records.map(({ variant, setting, figures }) => [
    variant,
    String(setting.deviationBps),
    formatSpan(setting.heartbeatMs),
    String(figures.publications),
    figures.perHour.toFixed(1),
    String(figures.byReason.deviation),
    String(figures.byReason.heartbeat),
    formatBps(figures.meanErrorBps),
    formatBps(figures.p99ErrorBps),
    formatBps(figures.maxErrorBps),
    figures.longestGapMs === undefined ? '—' : formatSpan(figures.longestGapMs),
  ]);
}

export function formatFeedStudy(study: FeedStudy): string {
  return formatTable(COLUMNS, feedStudyRows(study));
}

export { COLUMNS as FEED_STUDY_COLUMNS };

/**
 * What every setting of a variant shares, said once: the first publication is the first good
 * poll whatever the thresholds, so the moments before it (left out of the errors) are the same too.
 */
export function feedStudyNotes(study: FeedStudy): string[] {
  const seen = new Set<string>();
  return study.records.flatMap(({ variant, figures }) => {
    if (seen.has(variant)) return [];
    seen.add(variant);
    const skipped = Object.entries(figures.skipped)
      .filter(([reason, count]) => reason !== 'unchanged' && count > 0)
      .map(([reason, count]) => `${count} ${reason.replaceAll('_', ' ')}`);
    const first =
      figures.byReason.first === 0
        ? 'never published: no poll was good enough'
        : figures.unserved === 0
          ? 'published at the first poll'
          : `first published after ${figures.unserved} poll(s) with nothing to read, left out of the errors`;
    return [`${variant}: ${first}${skipped.length === 0 ? '' : `; polls never published: ${skipped.join(', ')}`}`];
  });
}
