/** The embedded feed store: this process's memory, lost on restart. */
import type { FeedDefinition } from '../../contract/models.ts';
import { PUBLICATIONS_KEPT, type FeedRecord, type FeedStore, type PollRecord, type PollStats, type Publication } from './feed-store.ts';

interface FeedState {
  record: FeedRecord;
  /** Oldest first, at most PUBLICATIONS_KEPT. */
  publications: Publication[];
  nextSequence: number;
  polls: { total: number; published: number; skipped: Record<string, number>; last: PollRecord | undefined };
}

export class MemoryFeedStore implements FeedStore {
  readonly #feeds = new Map<string, FeedState>();

  list(): Promise<FeedRecord[]> {
    return Promise.resolve([...this.#feeds.values()].map((state) => state.record));
  }

  get(feedId: string): Promise<FeedRecord | undefined> {
    return Promise.resolve(this.#feeds.get(feedId)?.record);
  }

  put(feedId: string, definition: FeedDefinition, nowMs: number): Promise<{ record: FeedRecord; created: boolean }> {
    const existing = this.#feeds.get(feedId);
    if (existing !== undefined) {
      existing.record = { ...existing.record, definition, updatedAtMs: nowMs };
      return Promise.resolve({ record: existing.record, created: false });
    }
    const record: FeedRecord = { feedId, definition, createdAtMs: nowMs, updatedAtMs: nowMs };
    this.#feeds.set(feedId, { record, publications: [], nextSequence: 1, polls: { total: 0, published: 0, skipped: {}, last: undefined } });
    return Promise.resolve({ record, created: true });
  }

  delete(feedId: string): Promise<boolean> {
    return Promise.resolve(this.#feeds.delete(feedId));
  }

  publish(publication: Omit<Publication, 'sequence'>): Promise<Publication> {
    const state = this.#feeds.get(publication.feedId);
    // Rejected, not thrown: a caller's .catch or Promise.all sees it like any store failure.
    if (state === undefined) return Promise.reject(new Error(`no feed ${publication.feedId}`));
    const published: Publication = { ...publication, sequence: state.nextSequence++ };
    state.publications.push(published);
    if (state.publications.length > PUBLICATIONS_KEPT) state.publications.splice(0, state.publications.length - PUBLICATIONS_KEPT);
    return Promise.resolve(published);
  }

  latest(feedId: string): Promise<Publication | undefined> {
    return Promise.resolve(this.#feeds.get(feedId)?.publications.at(-1));
  }

  publications(feedId: string, limit: number): Promise<Publication[]> {
    const kept = this.#feeds.get(feedId)?.publications ?? [];
    return Promise.resolve(kept.slice(Math.max(0, kept.length - limit)).reverse());
  }

  publicationsAfter(feedId: string, roundId: string): Promise<Publication[] | undefined> {
    const kept = this.#feeds.get(feedId)?.publications ?? [];
    const index = kept.findIndex((p) => p.roundId === roundId);
    return Promise.resolve(index === -1 ? undefined : kept.slice(index + 1));
  }

  recordPoll(feedId: string, poll: PollRecord): Promise<void> {
    const state = this.#feeds.get(feedId);
    // A poll that finishes after its feed was deleted has nowhere to go.
    if (state === undefined) return Promise.resolve();
    state.polls.total++;
    if (poll.published) state.polls.published++;
    else state.polls.skipped[poll.reason] = (state.polls.skipped[poll.reason] ?? 0) + 1;
    state.polls.last = poll;
    return Promise.resolve();
  }

  polls(feedId: string): Promise<PollStats> {
    const polls = this.#feeds.get(feedId)?.polls ?? { total: 0, published: 0, skipped: {}, last: undefined };
    return Promise.resolve({ ...polls, skipped: { ...polls.skipped } });
  }
}
