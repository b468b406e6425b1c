/**
 * Feeds: values watched continuously. Each feed is polled on its interval (every poll a round,
 * kept in the history), the update rule decides whether the poll is published, and every
 * publication goes to the feed's event streams. Definitions, publications and poll counts live
 * in a FeedStore. With several coordinators on one store, a feed is polled only by the one
 * holding its lease, and publications and definition changes travel on the bus, so that every
 * coordinator's streams send every publication, in order, without gaps.
 */
import type { Feed, FeedDefinition, FeedRounds, FeedValue, OracleRequestSubmission } from '../../contract/models.ts';
import { ProblemError } from '../../http/problems.ts';
import type { Logger } from '../../logging/logger.ts';
import type { RoundEnding } from '../coordinator.ts';
import { crossFieldProblems, staleAfterMs, updatePolicyOf } from './feed-definition.ts';
import type { FeedBus, FeedBusListener, FeedChange, FeedLeases } from './feed-coordination.ts';
import type { FeedEvents } from './feed-events.ts';
import type { FeedMetrics } from './feed-metrics.ts';
import { PUBLICATIONS_KEPT, type FeedRecord, type FeedStore, type Publication } from './feed-store.ts';
import { decideUpdate, type PollResult } from './update-rule.ts';

export interface FeedServiceOptions {
  store: FeedStore;
  leases: FeedLeases;
  bus: FeedBus;
  /** Runs one round for a poll; the Coordinator's `pollRound`. */
  runRound: (submission: OracleRequestSubmission) => Promise<RoundEnding>;
  events: FeedEvents;
  metrics: FeedMetrics;
  logger: Logger;
  /** The coordinator's deadline; a poll's is this or its interval, whichever is shorter. */
  defaultTimeoutMs: number;
  now?: () => number;
}

export class FeedService implements FeedBusListener {
  readonly #runners = new Map<string, FeedRunner>();
  /** The last sequence each feed's streams were sent here, to fill gaps and drop repeats. */
  readonly #broadcast = new Map<string, number>();
  /** Publications are handled one at a time per feed, in order (gaps are filled from the store). */
  readonly #delivering = new Map<string, Promise<void>>();
  readonly #now: () => number;
  #stopped = false;

  constructor(private readonly options: FeedServiceOptions) {
    this.#now = options.now ?? Date.now;
    options.bus.listen(this);
  }

  /** Runs every feed the store holds (polling those whose lease this coordinator gets). */
  async start(): Promise<void> {
    for (const record of await this.options.store.list()) if (!this.#runners.has(record.feedId)) this.#run(record);
  }

  /** Creates or replaces a feed; 400 for a definition whose fields contradict each other. */
  async put(feedId: string, definition: FeedDefinition): Promise<{ feed: Feed; created: boolean }> {
    if (definition.feed_id !== undefined && definition.feed_id !== feedId) {
      throw invalid([{ path: '/body/feed_id', message: `must be the feed id of the path (${feedId}) or absent` }]);
    }
    const problems = crossFieldProblems(definition);
    if (problems.length > 0) throw invalid(problems.map((p) => ({ path: `/body${p.path}`, message: p.message })));
    const { record, created } = await this.options.store.put(feedId, withoutFeedId(definition), this.#now());
    this.#run(record);
    await this.options.bus.announce({ kind: 'defined', feedId });
    this.options.logger.info({ feed_id: feedId, query: definition.query, created }, created ? 'feed created' : 'feed replaced');
    return { feed: await this.#view(record), created };
  }

  /**
   * Defines a feed from a file at start-up, unless the store already holds it just so: several
   * coordinators starting with the same file then leave it, and its lease, alone.
   */
  async ensure(feedId: string, definition: FeedDefinition): Promise<void> {
    const existing = await this.options.store.get(feedId);
    if (existing !== undefined && canonical(existing.definition) === canonical(withoutFeedId(definition))) return;
    await this.put(feedId, definition);
  }

  async delete(feedId: string): Promise<void> {
    if (!(await this.options.store.delete(feedId))) throw notFound(feedId);
    this.#forget(feedId);
    await this.options.bus.announce({ kind: 'deleted', feedId });
    this.options.logger.info({ feed_id: feedId }, 'feed deleted');
  }

  async get(feedId: string): Promise<Feed> {
    return this.#view(await this.#record(feedId));
  }

  async list(): Promise<Feed[]> {
    return Promise.all((await this.options.store.list()).map((record) => this.#view(record)));
  }

  /** The feed's latest value; the read path that never touches a worker. */
  async latest(feedId: string): Promise<FeedValue> {
    const [record, latest] = await Promise.all([this.#record(feedId), this.options.store.latest(feedId)]);
    if (latest === undefined) throw new ProblemError('NO_PUBLICATION', `Feed ${feedId} has published nothing yet`);
    return this.#valueOf(latest, record.definition);
  }

  async rounds(feedId: string, limit: number): Promise<FeedRounds> {
    const record = await this.#record(feedId);
    const publications = await this.options.store.publications(feedId, limit);
    return { feed_id: feedId, rounds: publications.map((p) => this.#valueOf(p, record.definition)) };
  }

  /**
   * The publications a reconnecting client missed after `lastEventId`, oldest first: all that
   * are kept when that id is not (it is too old, or from another feed).
   */
  async missedSince(feedId: string, lastEventId: string | undefined): Promise<FeedValue[]> {
    if (lastEventId === undefined) return [];
    const record = await this.#record(feedId);
    const after =
      (await this.options.store.publicationsAfter(feedId, lastEventId)) ??
      (await this.options.store.publications(feedId, Number.MAX_SAFE_INTEGER)).reverse();
    return after.map((p) => this.#valueOf(p, record.definition));
  }

  /** 404 unless the feed exists. */
  async assertExists(feedId: string): Promise<void> {
    await this.#record(feedId);
  }

  /** The age of each feed's latest value, for the metrics. */
  async ages(): Promise<Map<string, number>> {
    const ages = new Map<string, number>();
    for (const record of await this.options.store.list()) {
      const latest = await this.options.store.latest(record.feedId);
      if (latest !== undefined) ages.set(record.feedId, Math.max(0, this.#now() - latest.publishedAtMs) / 1000);
    }
    return ages;
  }

  /** Stops polling and gives the leases up, so that another coordinator takes the feeds at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const runners = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(runners.map((runner) => runner.stop()));
    this.options.events.close();
  }

  /** A definition changed on some coordinator (this one included): run what the store now holds. */
  onChange(change: FeedChange): void {
    if (change.kind === 'deleted') {
      this.#forget(change.feedId);
      return;
    }
    this.options.store.get(change.feedId).then(
      (record) => {
        const running = this.#runners.get(change.feedId);
        if (record !== undefined && (running === undefined || running.updatedAtMs < record.updatedAtMs)) this.#run(record);
      },
      (error: unknown) =>
        this.options.logger.warn({ feed_id: change.feedId, err: (error as Error).message }, 'could not read a changed feed'),
    );
  }

  /** A publication, from whichever coordinator polled: to this coordinator's streams, in order. */
  onPublication(publication: Publication): void {
    const { feedId } = publication;
    const previous = this.#delivering.get(feedId) ?? Promise.resolve();
    const next = previous.then(() => this.#deliver(publication));
    this.#delivering.set(feedId, next);
    void next.finally(() => {
      if (this.#delivering.get(feedId) === next) this.#delivering.delete(feedId);
    });
  }

  async #deliver(publication: Publication): Promise<void> {
    const { feedId } = publication;
    const last = this.#broadcast.get(feedId);
    if (last !== undefined && publication.sequence <= last) return;
    const definition = this.#runners.get(feedId)?.definition ?? (await this.options.store.get(feedId).catch(() => undefined))?.definition;
    if (definition === undefined) return;
    // A message lost on the way (a reconnection) leaves a gap: what it carried is in the store,
    // among the newest publications (this one, and any published since, are stored too).
    const missed =
      last === undefined || publication.sequence === last + 1
        ? []
        : (await this.options.store.publications(feedId, PUBLICATIONS_KEPT).catch(() => []))
            .filter((p) => p.sequence > last && p.sequence < publication.sequence)
            .reverse();
    for (const value of [...missed, publication]) {
      this.#broadcast.set(feedId, value.sequence);
      this.options.events.broadcast(this.#valueOf(value, definition));
    }
  }

  #run(record: FeedRecord): void {
    if (this.#stopped) return;
    void this.#runners.get(record.feedId)?.stop();
    const runner = new FeedRunner(record, this.options.leases, this.options.logger, (definition) => this.#poll(record.feedId, definition));
    this.#runners.set(record.feedId, runner);
    runner.start();
  }

  #forget(feedId: string): void {
    void this.#runners.get(feedId)?.stop();
    this.#runners.delete(feedId);
    this.#broadcast.delete(feedId);
    this.options.events.closeFeed(feedId);
    this.options.metrics.forgetFeed(feedId);
  }

  /** One poll: a round, the update rule, then a publication or a skip, each recorded. */
  async #poll(feedId: string, definition: FeedDefinition): Promise<void> {
    const { store, metrics, logger } = this.options;
    const ending = await this.options.runRound(submissionOf(definition, this.options.defaultTimeoutMs));
    const poll: PollResult =
      'result' in ending
        ? { answered: true, value: ending.result.final_value, partial: ending.result.partial === true }
        : { answered: false };
    const roundId = 'result' in ending ? ending.result.request_id : ending.problem.extensions.request_id;
    const last = await store.latest(feedId);
    const nowMs = this.#now();
    const decision = decideUpdate(
      poll,
      last === undefined ? undefined : { value: last.value, publishedAtMs: last.publishedAtMs },
      updatePolicyOf(definition),
      nowMs,
    );
    // The feed may have been deleted or replaced while the round ran, or this coordinator may
    // have lost its lease meanwhile (another one polls now): then this poll is moot.
    if (this.#runners.get(feedId)?.definition !== definition || !(await this.options.leases.hold(feedId))) return;
    await store.recordPoll(feedId, { atMs: nowMs, roundId, published: decision.publish, reason: decision.reason });
    if (!decision.publish || !('result' in ending)) {
      metrics.recordSkippedPoll(
        feedId,
        decision.reason === 'first' || decision.reason === 'heartbeat' || decision.reason === 'deviation' ? 'unchanged' : decision.reason,
      );
      return;
    }
    const { result } = ending;
    const publication = await store.publish({
      feedId,
      query: definition.query,
      value: result.final_value,
      roundId: result.request_id,
      publishedAtMs: nowMs,
      reason: decision.reason,
      deviationBps: decision.deviationBps,
      workersAnswered: result.workers_answered ?? result.worker_responses.filter((r) => r.err === undefined).length,
      spread: result.spread ?? 0,
      report: result.report,
    });
    metrics.recordPublication(feedId, decision.reason);
    logger.info(
      { feed_id: feedId, value: publication.value, reason: publication.reason, sequence: publication.sequence },
      'feed published',
    );
    await this.options.bus.publish(publication);
  }

  async #record(feedId: string): Promise<FeedRecord> {
    const record = await this.options.store.get(feedId);
    if (record === undefined) throw notFound(feedId);
    return record;
  }

  async #view(record: FeedRecord): Promise<Feed> {
    const [latest, polls] = await Promise.all([this.options.store.latest(record.feedId), this.options.store.polls(record.feedId)]);
    return {
      feed_id: record.feedId,
      definition: record.definition,
      created_at: new Date(record.createdAtMs).toISOString(),
      updated_at: new Date(record.updatedAtMs).toISOString(),
      ...(latest === undefined ? {} : { latest: this.#valueOf(latest, record.definition) }),
      polls: {
        total: polls.total,
        published: polls.published,
        skipped: polls.skipped,
        ...(polls.last === undefined
          ? {}
          : {
              last: {
                at: new Date(polls.last.atMs).toISOString(),
                ...(polls.last.roundId === undefined ? {} : { round_id: polls.last.roundId }),
                published: polls.last.published,
                reason: polls.last.reason,
              },
            }),
      },
    };
  }

  #valueOf(publication: Publication, definition: FeedDefinition): FeedValue {
    const ageMs = Math.max(0, Math.round(this.#now() - publication.publishedAtMs));
    return {
      feed_id: publication.feedId,
      query: publication.query,
      value: publication.value,
      round_id: publication.roundId,
      sequence: publication.sequence,
      published_at: new Date(publication.publishedAtMs).toISOString(),
      age_ms: ageMs,
      reason: publication.reason,
      ...(publication.deviationBps === undefined ? {} : { deviation_bps: publication.deviationBps }),
      workers_answered: publication.workersAnswered,
      spread: publication.spread,
      stale: ageMs > staleAfterMs(definition),
      ...(publication.report === undefined ? {} : { report: publication.report }),
    };
  }
}

/**
 * One feed on this coordinator: it holds the feed's lease (renewing it at a third of its TTL,
 * or taking it when it falls free) and polls while it does, every `poll_interval_ms` measured
 * from the start of each poll; a poll that overruns its interval delays the next one rather
 * than overlapping it.
 */
class FeedRunner {
  readonly definition: FeedDefinition;
  readonly updatedAtMs: number;
  #leaseTimer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #holding = false;
  #stopped = false;

  constructor(
    record: FeedRecord,
    private readonly leases: FeedLeases,
    private readonly logger: Logger,
    private readonly poll: (definition: FeedDefinition) => Promise<void>,
  ) {
    this.definition = record.definition;
    this.updatedAtMs = record.updatedAtMs;
    this.feedId = record.feedId;
  }

  readonly feedId: string;

  start(): void {
    void this.#checkLease();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#leaseTimer);
    clearTimeout(this.#pollTimer);
    if (this.#holding) await this.leases.release(this.feedId).catch(() => undefined);
    this.#holding = false;
  }

  async #checkLease(): Promise<void> {
    if (this.#stopped) return;
    let holding: boolean;
    try {
      holding = await this.leases.hold(this.feedId);
    } catch {
      holding = false;
    }
    // Stopped while the store answered: give nothing back, start nothing.
    if (this.#isStopped()) return;
    if (holding && !this.#holding) {
      this.logger.info({ feed_id: this.feedId }, 'polling the feed (this coordinator holds its lease)');
      this.#schedulePoll(0);
    }
    if (!holding && this.#holding) {
      this.logger.info({ feed_id: this.feedId }, 'no longer polling the feed (its lease is elsewhere)');
      clearTimeout(this.#pollTimer);
    }
    this.#holding = holding;
    if (Number.isFinite(this.leases.ttlMs)) {
      this.#leaseTimer = setTimeout(() => void this.#checkLease(), Math.max(10, this.leases.ttlMs / 3));
      this.#leaseTimer.unref();
    }
  }

  #schedulePoll(delayMs: number): void {
    if (this.#stopped) return;
    this.#pollTimer = setTimeout(() => void this.#run(), delayMs);
    this.#pollTimer.unref();
  }

  async #run(): Promise<void> {
    if (!this.#holding) return;
    const started = performance.now();
    try {
      await this.poll(this.definition);
    } catch {
      // The round and the store report their own failures; the feed keeps polling.
    }
    // The lease may have gone while the poll ran.
    if (this.#isHolding()) this.#schedulePoll(Math.max(0, this.definition.poll_interval_ms - (performance.now() - started)));
  }

  #isStopped(): boolean {
    return this.#stopped;
  }

  #isHolding(): boolean {
    return this.#holding;
  }
}

function submissionOf(definition: FeedDefinition, defaultTimeoutMs: number): OracleRequestSubmission {
  const { query, strategy, trim, mad_k, ask_count, min_responses } = definition;
  return {
    query,
    timeout_ms: definition.timeout_ms ?? Math.max(10, Math.min(defaultTimeoutMs, definition.poll_interval_ms)),
    ...(strategy === undefined ? {} : { strategy }),
    ...(trim === undefined ? {} : { trim }),
    ...(mad_k === undefined ? {} : { mad_k }),
    ...(ask_count === undefined ? {} : { ask_count }),
    ...(min_responses === undefined ? {} : { min_responses }),
  };
}

/** JSON with sorted keys, to compare definitions whatever order their fields came in. */
function canonical(definition: FeedDefinition): string {
  return JSON.stringify(Object.fromEntries(Object.entries(definition).sort(([a], [b]) => a.localeCompare(b))));
}

/** The definition as kept: its id is the key it is kept under. */
function withoutFeedId(definition: FeedDefinition): FeedDefinition {
  const stored = { ...definition };
  delete stored.feed_id;
  return stored;
}

function notFound(feedId: string): ProblemError {
  return new ProblemError('FEED_NOT_FOUND', `No feed ${feedId} is defined`);
}

function invalid(errors: { path: string; message: string }[]): ProblemError {
  return new ProblemError('VALIDATION_FAILED', errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors });
}
