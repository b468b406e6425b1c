/** Per-feed metrics, registered beside the coordinator's own. */
import { Counter, Gauge, type Registry as MetricsRegistry } from 'prom-client';
import { PUBLISH_REASONS, SKIP_REASONS, type PublishReason, type SkipReason } from './update-rule.ts';

export class FeedMetrics {
  readonly #publications: Counter<'feed_id' | 'reason'>;
  readonly #skipped: Counter<'feed_id' | 'reason'>;

  /** `ages` reads each feed's latest value's age, in seconds, when metrics are scraped. */
  constructor(registry: MetricsRegistry, ages: () => Promise<ReadonlyMap<string, number>>, subscribers: () => number) {
    this.#publications = new Counter({
      name: 'oracle_feed_publications_total',
      help: 'Feed values published, by feed and reason (first, heartbeat, deviation).',
      labelNames: ['feed_id', 'reason'] as const,
      registers: [registry],
    });
    this.#skipped = new Counter({
      name: 'oracle_feed_skipped_polls_total',
      help: 'Feed polls not published, by feed and reason (no_usable_answer, partial, out_of_bounds, unchanged).',
      labelNames: ['feed_id', 'reason'] as const,
      registers: [registry],
    });
    new Gauge({
      name: 'oracle_feed_age_seconds',
      help: "Age of each feed's latest published value.",
      labelNames: ['feed_id'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [feedId, seconds] of await ages()) this.set({ feed_id: feedId }, seconds);
      },
    });
    new Gauge({
      name: 'oracle_feed_subscribers',
      help: 'Event stream subscribers connected to this coordinator.',
      registers: [registry],
      collect() {
        this.set(subscribers());
      },
    });
  }

  recordPublication(feedId: string, reason: PublishReason): void {
    this.#publications.inc({ feed_id: feedId, reason });
  }

  recordSkippedPoll(feedId: string, reason: SkipReason): void {
    this.#skipped.inc({ feed_id: feedId, reason });
  }

  /** Drops a deleted feed's series. */
  forgetFeed(feedId: string): void {
    for (const reason of PUBLISH_REASONS) this.#publications.remove({ feed_id: feedId, reason });
    for (const reason of SKIP_REASONS) this.#skipped.remove({ feed_id: feedId, reason });
  }
}
