/**
 * The coordinator's connection to Redis, for every store kept there. Commands fail at once
 * while Redis is unreachable (no offline queue), so a request answers 503 STORE_UNAVAILABLE
 * instead of hanging; ioredis reconnects by itself, with a capped back-off.
 */
import { Redis } from 'ioredis';
import { ProblemError, storeUnavailableProblem } from '../../http/problems.ts';
import type { Logger } from '../../logging/logger.ts';

export interface RedisStoreContext {
  readonly redis: Redis;
  /** Every key starts with it (e.g. "oracle:"), so that one Redis can hold several networks. */
  readonly prefix: string;
}

/** The longest wait between reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 1_000;

export interface RedisClientOptions {
  /**
   * How long a command may wait for its answer. A Redis that stops answering without closing
   * the connection (paused, overloaded, a network path gone silent) would otherwise hold every
   * request that needs the store, for ever. 2 s by default; a blocking command (BLPOP, XREAD
   * BLOCK) needs a client of its own without it.
   */
  readonly commandTimeoutMs?: number;
}

export function createRedisClient(url: string, logger: Logger, role: string, options: RedisClientOptions = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(MAX_RECONNECT_DELAY_MS, 50 * attempt),
    lazyConnect: true,
    connectionName: `oracle-coordinator-${role}`,
  });
  let reported = false;
  redis.on('error', (error: Error) => {
    // One line per outage, not one per reconnection attempt.
    if (!reported) logger.error({ err: error.message, role }, 'the Redis store is unreachable; reconnecting');
    reported = true;
  });
  redis.on('ready', () => {
    if (reported) logger.info({ role }, 'the Redis store is reachable again');
    reported = false;
  });
  return redis;
}

/** Connects, waiting at most `timeoutMs` for a first answer (the store is needed to start). */
export async function connectRedis(redis: Redis, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
      await redis.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`cannot reach Redis: ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Runs a store operation, turning a lost connection into a 503 STORE_UNAVAILABLE problem. */
export async function inStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    throw storeUnavailableProblem(error);
  }
}
