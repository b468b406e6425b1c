import { describe, expect, it } from 'vitest';
import type { FeedValue } from '../../src/contract/models.ts';
import { FeedEvents, type EventSink } from '../../src/coordinator/feeds/feed-events.ts';
import { createLogger } from '../../src/logging/logger.ts';

/** A response whose reader never reads: everything written stays buffered. */
class StuckSink implements EventSink {
  writableLength = 0;
  destroyed = false;
  ended = false;
  readonly chunks: string[] = [];
  readonly #closeListeners: (() => void)[] = [];

  writeHead(): this {
    return this;
  }

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    this.writableLength += Buffer.byteLength(chunk);
    return false;
  }

  destroy(): void {
    this.destroyed = true;
    for (const listener of this.#closeListeners) listener();
  }

  end(): void {
    this.ended = true;
  }

  on(_event: 'close', listener: () => void): this {
    this.#closeListeners.push(listener);
    return this;
  }
}

function value(sequence: number): FeedValue {
  return {
    feed_id: 'btc',
    query: 'BTC/USD',
    value: 100 + sequence,
    round_id: `r${sequence}`,
    sequence,
    published_at: '2026-12-01T00:00:00.000Z',
    age_ms: 0,
    reason: 'deviation',
    workers_answered: 3,
    spread: 0,
    stale: false,
  };
}

describe('FeedEvents', () => {
  it('disconnects a reader that stops draining once its buffer passes the limit, instead of buffering more', async () => {
    const events = new FeedEvents({ heartbeatMs: 60_000, maxBufferedBytes: 4_096, logger: createLogger('test', 'silent') });
    const stuck = new StuckSink();
    await events.subscribe('btc', stuck, () => Promise.resolve([]));
    for (let sequence = 1; sequence <= 1_000; sequence++) events.broadcast(value(sequence));
    expect(stuck.destroyed).toBe(true);
    expect(stuck.writableLength).toBeLessThan(4_096 + 1_000);
    expect(events.subscriberCount).toBe(0);
    events.close();
  });

  it('sends the backlog, then what was published while it was read, each publication once and in order', async () => {
    const events = new FeedEvents({ heartbeatMs: 60_000, maxBufferedBytes: 1 << 20, logger: createLogger('test', 'silent') });
    const sink = new StuckSink();
    await events.subscribe('btc', sink, () => {
      // Publications 3 and 4 arrive while the backlog (1 to 3) is being read.
      events.broadcast(value(3));
      events.broadcast(value(4));
      return Promise.resolve([value(1), value(2), value(3)]);
    });
    events.broadcast(value(5));
    const ids = sink.chunks.flatMap((chunk) => /^id: (\S+)$/m.exec(chunk)?.[1] ?? []);
    expect(ids).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    events.closeFeed('btc');
    expect(sink.ended).toBe(true);
    events.close();
  });
});
