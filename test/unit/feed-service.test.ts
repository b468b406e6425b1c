/** FeedService's delivery to event streams: in order, each publication once, gaps filled from the store. */
import { Registry as MetricsRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LocalFeedBus, LocalFeedLeases } from '../../src/coordinator/feeds/feed-coordination.ts';
import { FeedEvents, type EventSink } from '../../src/coordinator/feeds/feed-events.ts';
import { FeedMetrics } from '../../src/coordinator/feeds/feed-metrics.ts';
import { FeedService } from '../../src/coordinator/feeds/feed-service.ts';
import type { Publication } from '../../src/coordinator/feeds/feed-store.ts';
import { MemoryFeedStore } from '../../src/coordinator/feeds/memory-feed-store.ts';
import { createLogger } from '../../src/logging/logger.ts';

/** A reader that keeps up: it records every chunk. */
class RecordingSink implements EventSink {
  readonly writableLength = 0;
  readonly destroyed = false;
  readonly chunks: string[] = [];
  writeHead(): this {
    return this;
  }
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  destroy(): void {}
  end(): void {}
  on(): this {
    return this;
  }
  /** The ids of the update events written, in order. */
  updateIds(): string[] {
    return this.chunks.flatMap((chunk) => [...chunk.matchAll(/^id: (\S+)$/gm)].map((match) => match[1] ?? ''));
  }
}

function publicationOf(round: number): Omit<Publication, 'sequence'> {
  return {
    feedId: 'btc',
    query: 'BTC/USD',
    value: 100 + round,
    roundId: `r${round}`,
    publishedAtMs: round,
    reason: 'deviation',
    deviationBps: 60,
    workersAnswered: 3,
    spread: 0,
  };
}

describe('FeedService', () => {
  it('fills a gap in the publications it is told of from the store, oldest first, each once', async () => {
    const logger = createLogger('test', 'silent');
    const store = new MemoryFeedStore();
    const events = new FeedEvents({ heartbeatMs: 60_000, maxBufferedBytes: 1 << 20, logger });
    const service = new FeedService({
      store,
      leases: new LocalFeedLeases(),
      bus: new LocalFeedBus(),
      runRound: () => Promise.reject(new Error('no polls in this test')),
      events,
      metrics: new FeedMetrics(
        new MetricsRegistry(),
        () => Promise.resolve(new Map()),
        () => 0,
      ),
      logger,
      defaultTimeoutMs: 1_000,
    });
    await store.put('btc', { query: 'BTC/USD', deviation_bps: 50, heartbeat_ms: 60_000, poll_interval_ms: 1_000 }, 0);
    const sink = new RecordingSink();
    await events.subscribe('btc', sink, () => Promise.resolve([]));
    service.onPublication(await store.publish(publicationOf(1)));
    await expect.poll(() => sink.updateIds()).toEqual(['r1']);
    // The messages of 2, 3 and 4 are lost; 5 arrives, and 6 is already stored when it does.
    for (const round of [2, 3, 4]) await store.publish(publicationOf(round));
    const fifth = await store.publish(publicationOf(5));
    const sixth = await store.publish(publicationOf(6));
    service.onPublication(fifth);
    service.onPublication(sixth);
    await expect.poll(() => sink.updateIds()).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    await service.stop();
    events.close();
  });
});
