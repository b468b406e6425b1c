/**
 * Where feeds are kept: their definitions, their publications and how their polls went. The
 * narrow interface every store implements (memory here, Redis beside it).
 */
import type { FeedDefinition, Report } from '../../contract/models.ts';
import type { PublishReason } from './update-rule.ts';

export interface FeedRecord {
  readonly feedId: string;
  readonly definition: FeedDefinition;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/** One published value. `sequence` counts a feed's publications from 1, with no gaps. */
export interface Publication {
  readonly feedId: string;
  readonly query: string;
  readonly value: number;
  readonly roundId: string;
  readonly sequence: number;
  readonly publishedAtMs: number;
  readonly reason: PublishReason;
  readonly deviationBps: number | undefined;
  readonly workersAnswered: number;
  readonly spread: number;
  /** The signed report of the round the value comes from, when it has one. */
  readonly report?: Report | undefined;
}

export interface PollRecord {
  readonly atMs: number;
  readonly roundId: string | undefined;
  readonly published: boolean;
  /** A publish reason or a skip reason. */
  readonly reason: string;
}

export interface PollStats {
  readonly total: number;
  readonly published: number;
  readonly skipped: Readonly<Record<string, number>>;
  readonly last: PollRecord | undefined;
}

/** Most publications kept per feed; the oldest go first. */
export const PUBLICATIONS_KEPT = 1000;

export interface FeedStore {
  list(): Promise<FeedRecord[]>;
  get(feedId: string): Promise<FeedRecord | undefined>;
  /** Creates the feed or replaces its definition, keeping its publications and its creation time. */
  put(feedId: string, definition: FeedDefinition, nowMs: number): Promise<{ record: FeedRecord; created: boolean }>;
  /** Forgets the feed and everything about it; false when there was none. */
  delete(feedId: string): Promise<boolean>;
  /** Appends a publication under the feed's next sequence number. */
  publish(publication: Omit<Publication, 'sequence'>): Promise<Publication>;
  latest(feedId: string): Promise<Publication | undefined>;
  /** Newest first. */
  publications(feedId: string, limit: number): Promise<Publication[]>;
  /** Oldest first, the publications after the one from round `roundId`; undefined when that one is not kept. */
  publicationsAfter(feedId: string, roundId: string): Promise<Publication[] | undefined>;
  recordPoll(feedId: string, poll: PollRecord): Promise<void>;
  polls(feedId: string): Promise<PollStats>;
}
