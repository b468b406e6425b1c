/**
 * Where finished rounds are kept: the narrow interface every store implements (the in-memory
 * one here, Redis beside it), so the coordinator does not know which one it has. Every store
 * is bounded by a count and an age, and evicts the oldest rounds first.
 */
import type { components } from '../../../generated/coordinator.ts';
import type { Round } from '../../contract/models.ts';

export type { Round };
export type RoundOutcome = components['schemas']['RoundOutcome'];

/** A kept round with what the store needs to find it again. */
export interface StoredRound {
  /** Insertion order; cursors name it. */
  readonly seq: number;
  /** Query and aggregation parameters, as `roundKey` builds it. */
  readonly key: string;
  readonly finishedAtMs: number;
  readonly round: Round;
}

export interface RoundListing {
  /** Only rounds of this query. */
  readonly query?: string | undefined;
  /** Only rounds older than this sequence number (a cursor); all when undefined. */
  readonly before?: number | undefined;
  readonly limit: number;
}

export interface RoundPage {
  /** Newest first. */
  readonly rounds: readonly Round[];
  /** The sequence number to pass as `before` for the next (older) page; undefined on the last. */
  readonly next: number | undefined;
}

export type EvictionReason = 'count' | 'age';

export interface RoundStoreLimits {
  /** Most rounds kept. */
  readonly limit: number;
  /** Rounds that finished longer ago than this are dropped. */
  readonly maxAgeMs: number;
}

export interface RoundStore {
  /** Keeps a finished round, evicting the oldest beyond the limits. */
  add(round: Round, key: string, finishedAtMs: number): Promise<void>;
  get(requestId: string): Promise<Round | undefined>;
  list(listing: RoundListing): Promise<RoundPage>;
  /** The newest answered (complete or partial) round with this key that finished at `sinceMs` or later. */
  latestAnswered(key: string, sinceMs: number): Promise<StoredRound | undefined>;
  /** How many rounds are kept now. */
  size(): Promise<number>;
}
