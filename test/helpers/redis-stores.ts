/**
 * Redis for the store tests: one redis-server per test file (started in beforeAll, closed in
 * afterAll) and a client on it made the way the coordinator makes its own; each test takes a key
 * prefix of its own, so tests never see each other's keys.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect } from 'vitest';
import { ProblemError } from '../../src/http/problems.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { connectRedis, createRedisClient, type RedisClientOptions, type RedisStoreContext } from '../../src/store/redis/client.ts';
import { startRedis, type RedisOptions, type RedisServer } from './redis.ts';

const silent = createLogger('test', 'silent');

export interface RedisStoreFixture {
  readonly server: () => RedisServer;
  /** The file's client, on a new key prefix. */
  readonly context: () => RedisStoreContext;
}

export function useRedisStores(): RedisStoreFixture {
  let server: RedisServer | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
    redis = await connectClient(server);
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the Redis fixture is used before beforeAll ran');
    return value;
  };
  return { server: () => started(server), context: () => ({ redis: started(redis), prefix: freshPrefix() }) };
}

/** A redis-server of a test's own, for outages and restarts, with a client connected to it. */
export interface OwnRedis {
  readonly server: RedisServer;
  readonly redis: Redis;
  /** Starts the stopped server again and waits until the client has reconnected. */
  readonly restart: () => Promise<void>;
}

/** A test (for `it`) run against a redis-server of its own, closed however the test ends. */
export function withOwnRedis(options: RedisOptions & RedisClientOptions, test: (own: OwnRedis) => Promise<void>): () => Promise<void> {
  return async () => {
    const server = await startRedis(options);
    const redis = await connectClient(server, options);
    const restart = async () => {
      await server.restart();
      await connectRedis(redis, 5_000);
    };
    try {
      await test({ server, redis, restart });
    } finally {
      redis.disconnect();
      await server.close();
    }
  };
}

export function connectClient(server: RedisServer, options: RedisClientOptions = {}): Promise<Redis> {
  const redis = createRedisClient(server.url, silent, 'test', options);
  return connectRedis(redis).then(() => redis);
}

export function freshPrefix(): string {
  return `test:${randomUUID()}:`;
}

/** Asserts that `operation` fails with 503 STORE_UNAVAILABLE, and returns how long it took (ms). */
export async function expectStoreUnavailable(operation: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  const error = await operation().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  const elapsed = performance.now() - started;
  expect(error).toBeInstanceOf(ProblemError);
  expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503 });
  return elapsed;
}
