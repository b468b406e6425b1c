/**
 * Feeds run by several coordinators on one Redis. A feed's lease is a key holding the id of
 * the coordinator that polls it, set with NX and a TTL and renewed by its holder at a third of
 * the TTL; when the holder dies, the key expires and another coordinator takes the feed within
 * one TTL. Publications and definition changes go out on one pub/sub channel, which every
 * coordinator (the sender included) listens to.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../logging/logger.ts';
import type { FeedBus, FeedBusListener, FeedChange, FeedLeases } from '../../coordinator/feeds/feed-coordination.ts';
import type { Publication } from '../../coordinator/feeds/feed-store.ts';
import { inStore, type RedisStoreContext } from './client.ts';
import { LuaScript } from './lua-script.ts';

/** KEYS: lease. ARGV: holder, ttl ms. Takes a free lease or renews one's own: 1, else 0. */
const HOLD = new LuaScript<number>(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`);

/** KEYS: lease. ARGV: holder. Frees the lease only if one holds it. */
const RELEASE = new LuaScript<number>(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

export class RedisFeedLeases implements FeedLeases {
  constructor(
    private readonly context: RedisStoreContext,
    /** This coordinator's id: unique per process. */
    private readonly holder: string,
    readonly ttlMs: number,
  ) {}

  hold(feedId: string): Promise<boolean> {
    return inStore(async () => (await HOLD.run(this.context.redis, [this.#key(feedId)], [this.holder, this.ttlMs])) === 1);
  }

  async release(feedId: string): Promise<void> {
    await inStore(() => RELEASE.run(this.context.redis, [this.#key(feedId)], [this.holder]));
  }

  #key(feedId: string): string {
    return `${this.context.prefix}feed-lease:${feedId}`;
  }
}

type BusMessage = { kind: 'publication'; publication: Publication } | { kind: 'change'; change: FeedChange };

export class RedisFeedBus implements FeedBus {
  readonly #channel: string;
  readonly #listeners: FeedBusListener[] = [];

  constructor(
    private readonly context: RedisStoreContext,
    /** A connection of its own: a subscribed connection takes no other commands. */
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {
    this.#channel = `${context.prefix}feeds:events`;
  }

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#channel) this.#deliver(message);
    });
    await this.subscriber.subscribe(this.#channel);
  }

  publish(publication: Publication): Promise<void> {
    return this.#send({ kind: 'publication', publication });
  }

  announce(change: FeedChange): Promise<void> {
    return this.#send({ kind: 'change', change });
  }

  listen(listener: FeedBusListener): void {
    this.#listeners.push(listener);
  }

  async #send(message: BusMessage): Promise<void> {
    await inStore(() => this.context.redis.publish(this.#channel, JSON.stringify(message)));
  }

  #deliver(raw: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(raw) as BusMessage;
    } catch {
      this.logger.warn('ignored a feed message that is not JSON');
      return;
    }
    for (const listener of this.#listeners) {
      if (message.kind === 'publication') listener.onPublication(message.publication);
      else listener.onChange(message.change);
    }
  }
}
