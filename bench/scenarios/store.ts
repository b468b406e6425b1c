/**
 * The shared store's cost, and what a second process buys: POST /request with 10 zero-delay
 * signed workers over the 10-worker throughput row's connections, on three coordinators started
 * here and measured in alternating slices: one with the in-memory store, one with
 * `--store redis://…`, and one with the same Redis and `--processes 2` (node:cluster). All three
 * are fresh, so that none is warmer than the others: against the run's coordinator, warm from
 * every row before, quick runs read 0.69 to 0.76 for Redis, against a fresh one 0.83 to 0.92.
 * Each Redis coordinator has a key prefix of
 * its own, new in every run, so that no run (and neither coordinator) sees another's keys. The
 * redis-server is the machine's own binary, started here on a free port and stopped at the end
 * (src/store/redis/local-server.ts).
 */
import { randomUUID } from 'node:crypto';
import { startRedis, type RedisServer } from '../../src/store/redis/local-server.ts';
import { registerWorkers } from '../admin.ts';
import { SUBMISSION, THROUGHPUT_CONNECTIONS, type BenchContext } from '../context.ts';
import { childrenRunning, snapshotCpu } from '../cpu.ts';
import { requestLoad, runInterleaved, unexpectedOutcomes, type LoadResult, type LoadSpec } from '../measure.ts';
import { startCoordinator, waitForProcesses, type CoordinatorOptions, type ServiceProcess } from '../processes.ts';
import { probeFullAnswer } from './throughput.ts';

export const STORE_WORKERS = 10;
export const CLUSTER_PROCESSES = 2;

export interface StoreFigures {
  workers: number;
  connections: number;
  memory: LoadResult;
  /** `--store redis://…`, one process */
  redis: LoadResult;
  /** `--store redis://…` and `--processes 2` */
  cluster: LoadResult;
  /** redis req/s ÷ memory req/s */
  redisRatio: number;
  /** cluster req/s ÷ redis req/s */
  clusterRatio: number;
}

/** The redis-server this process started (the store's CPU figure); undefined without /proc. */
async function redisPid(): Promise<number | undefined> {
  const snapshot = await snapshotCpu();
  return snapshot === undefined ? undefined : childrenRunning(snapshot, process.pid, 'redis-server')[0];
}

/** A coordinator on `redis` under a key prefix never used before. */
function redisCoordinator(redis: RedisServer, name: string, processes: number): CoordinatorOptions {
  const prefix = `bench-${randomUUID().slice(0, 8)}-${processes}p:`;
  return { name, args: ['--store', redis.url, '--store-prefix', prefix, '--processes', String(processes)] };
}

export async function measureStore(context: BenchContext): Promise<StoreFigures> {
  const { fleet, profile } = context;
  const batch = 'store10';
  const redis = await startRedis();
  const started: ServiceProcess[] = [];
  // Each is stopped at the end even when another failed to start.
  const startTracked = async (options: CoordinatorOptions) => {
    const service = await startCoordinator(options);
    started.push(service);
    return service;
  };
  try {
    const [memoryStore, single, pair] = await Promise.all([
      startTracked({ name: 'coordinator with the memory store' }),
      startTracked(redisCoordinator(redis, 'coordinator with Redis', 1)),
      startTracked(redisCoordinator(redis, `coordinator with Redis, ${CLUSTER_PROCESSES} processes`, CLUSTER_PROCESSES)),
    ]);
    await waitForProcesses(pair, CLUSTER_PROCESSES);
    // Coordinators stopped at the end need no deregistration.
    const workers = await fleet.start(batch, STORE_WORKERS, { kind: 'answer', delayMs: 0 });
    for (const service of [memoryStore, single, pair]) {
      await registerWorkers(service.url, workers);
      const problem = await probeFullAnswer(service, STORE_WORKERS, { signed: true });
      if (problem) context.fail(problem);
    }
    const store = await redisPid();
    const specOf = (service: ServiceProcess): LoadSpec => ({
      ...requestLoad(service, profile, SUBMISSION, THROUGHPUT_CONNECTIONS),
      ...(store === undefined ? {} : { peers: { redis: store } }),
    });
    const [memory, redisResult, cluster] = await runInterleaved([specOf(memoryStore), specOf(single), specOf(pair)], profile.rounds);
    for (const [label, result] of [
      ['coordinator, memory store', memory],
      ['coordinator, Redis store', redisResult],
      [`coordinator, Redis store, ${CLUSTER_PROCESSES} processes`, cluster],
    ] as const) {
      for (const issue of unexpectedOutcomes(label, result, 200)) context.fail(issue);
    }
    return {
      workers: STORE_WORKERS,
      connections: THROUGHPUT_CONNECTIONS,
      memory,
      redis: redisResult,
      cluster,
      redisRatio: redisResult.rps / memory.rps,
      clusterRatio: cluster.rps / redisResult.rps,
    };
  } finally {
    await Promise.all(started.map((service) => service.stop()));
    await fleet.stop(batch);
    await redis.close();
  }
}
