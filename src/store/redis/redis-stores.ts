/** The Redis stores behind openStores (stores.ts), which loads this module only for a Redis URL. */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logging/logger.ts';
import type { StoreSettings, Stores } from '../stores.ts';
import { connectRedis, createRedisClient } from './client.ts';
import { RedisFeedBus, RedisFeedLeases } from './redis-feed-coordination.ts';
import { RedisFeedStore } from './redis-feed-store.ts';
import { RedisKeyStore } from './redis-key-store.ts';
import { RedisRoundStore } from './redis-round-store.ts';
import { RedisWorkerStore } from './redis-worker-store.ts';

export async function openRedisStores(settings: StoreSettings, logger: Logger): Promise<Stores> {
  const clients: Redis[] = [];
  const connect = async (role: string) => {
    const client = createRedisClient(settings.store, logger, role);
    clients.push(client);
    await connectRedis(client);
    return client;
  };
  try {
    const [redis, workerChanges, feedEvents] = await Promise.all([connect('commands'), connect('worker-changes'), connect('feed-events')]);
    const context = { redis, prefix: settings.prefix };
    const workers = new RedisWorkerStore({
      ...context,
      subscriber: workerChanges,
      policy: settings.policy,
      limits: settings.registryLimits,
      logger,
    });
    const bus = new RedisFeedBus(context, feedEvents, logger);
    await Promise.all([workers.start(), bus.start()]);
    return {
      workers,
      rounds: new RedisRoundStore(context, { ...settings.history, onEvict: settings.onRoundEvicted }),
      feeds: new RedisFeedStore(context),
      leases: new RedisFeedLeases(context, `${process.pid}-${randomUUID()}`, settings.feedLeaseMs),
      bus,
      keys: new RedisKeyStore(context),
      isReady: () => redis.status === 'ready',
      async close() {
        await workers.close();
        for (const client of clients) client.disconnect();
      },
    };
  } catch (error) {
    for (const client of clients) client.disconnect();
    throw error;
  }
}
