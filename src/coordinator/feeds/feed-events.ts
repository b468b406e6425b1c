/**
 * Live updates of feeds as server-sent events. A subscriber gets one `update` event per
 * publication (id: the round id; data: the same JSON as `/latest`), a comment line every
 * `heartbeatMs` so that proxies keep idle streams open, and is disconnected, not buffered for,
 * once more than `maxBufferedBytes` wait to be written to it.
 */
import type { FeedValue } from '../../contract/models.ts';
import type { Logger } from '../../logging/logger.ts';

export interface FeedEventsOptions {
  heartbeatMs: number;
  maxBufferedBytes: number;
  logger: Logger;
}

/** What a stream is written to: an HTTP response (ServerResponse is one). */
export interface EventSink {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): boolean;
  /** Bytes written but not yet handed to the network. */
  readonly writableLength: number;
  readonly destroyed: boolean;
  destroy(): void;
  end(): void;
  on(event: 'close', listener: () => void): unknown;
}

/** How long a reconnecting client waits, told to it at the start of every stream. */
const RETRY_MS = 2_000;

interface Subscriber {
  readonly res: EventSink;
  /** Publications up to this sequence were sent (from the backlog or live). */
  lastSequence: number;
  /** Live publications that arrived while the backlog was being read. */
  pending: FeedValue[] | undefined;
}

export class FeedEvents {
  readonly #subscribers = new Map<string, Set<Subscriber>>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(private readonly options: FeedEventsOptions) {
    this.#heartbeat = setInterval(() => this.#beat(), options.heartbeatMs);
    this.#heartbeat.unref();
  }

  get subscriberCount(): number {
    let count = 0;
    for (const subscribers of this.#subscribers.values()) count += subscribers.size;
    return count;
  }

  /**
   * Starts a stream on `res`: its headers, then what `readBacklog` returns (the publications the
   * client missed), then every live publication. Live ones arriving while the backlog is read
   * are held and sent after it, each exactly once.
   */
  async subscribe(feedId: string, res: EventSink, readBacklog: () => Promise<readonly FeedValue[]>): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx and its kind not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    const subscriber: Subscriber = { res, lastSequence: 0, pending: [] };
    let subscribers = this.#subscribers.get(feedId);
    if (subscribers === undefined) this.#subscribers.set(feedId, (subscribers = new Set()));
    subscribers.add(subscriber);
    res.on('close', () => this.#remove(feedId, subscriber));
    const backlog = await readBacklog();
    for (const value of backlog) this.#send(feedId, subscriber, value);
    const held = subscriber.pending ?? [];
    subscriber.pending = undefined;
    for (const value of held) this.#send(feedId, subscriber, value);
  }

  broadcast(value: FeedValue): void {
    const subscribers = this.#subscribers.get(value.feed_id);
    if (subscribers === undefined) return;
    for (const subscriber of subscribers) {
      if (subscriber.pending !== undefined) subscriber.pending.push(value);
      else this.#send(value.feed_id, subscriber, value);
    }
  }

  /** Ends every stream of a feed (it was deleted). */
  closeFeed(feedId: string): void {
    const subscribers = this.#subscribers.get(feedId);
    this.#subscribers.delete(feedId);
    for (const subscriber of subscribers ?? []) subscriber.res.end();
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const feedId of [...this.#subscribers.keys()]) this.closeFeed(feedId);
  }

  #send(feedId: string, subscriber: Subscriber, value: FeedValue): void {
    if (value.sequence <= subscriber.lastSequence) return;
    subscriber.lastSequence = value.sequence;
    this.#write(feedId, subscriber, `id: ${value.round_id}\nevent: update\ndata: ${JSON.stringify(value)}\n\n`);
  }

  #beat(): void {
    const line = `: heartbeat ${new Date().toISOString()}\n\n`;
    for (const [feedId, subscribers] of this.#subscribers) for (const subscriber of subscribers) this.#write(feedId, subscriber, line);
  }

  #write(feedId: string, subscriber: Subscriber, chunk: string): void {
    const { res } = subscriber;
    if (res.destroyed) return;
    res.write(chunk);
    if (res.writableLength > this.options.maxBufferedBytes) {
      this.options.logger.warn(
        { feed_id: feedId, buffered_bytes: res.writableLength },
        'event stream reader is not keeping up; disconnecting it',
      );
      this.#remove(feedId, subscriber);
      res.destroy();
    }
  }

  #remove(feedId: string, subscriber: Subscriber): void {
    const subscribers = this.#subscribers.get(feedId);
    subscribers?.delete(subscriber);
    if (subscribers?.size === 0) this.#subscribers.delete(feedId);
  }
}
