/**
 * The shared store's cost, and what a second process buys: POST /request with 10 zero-delay
 * signed workers over the 10-worker throughput row's connections, on three coordinators in
 * alternating slices: the run's coordinator (in-memory store), one with `--store redis://…`, and
 * one with the same Redis and `--processes 2` (node:cluster). Each Redis coordinator has a key
 * prefix of its own, new in every run, so that no run (and neither coordinator) sees another's
 * keys. The redis-server is the machine's own binary, started here on a free port and stopped
 * at the end (src/store/redis/local-server.ts).
 */
import { randomUUID } from 'node:crypto';
import { startRedis, type RedisServer } from '../../src/store/redis/local-server.ts';
import { deregisterWorkers, registerWorkers } from '../admin.ts';
import { SUBMISSION, THROUGHPUT_CONNECTIONS, type BenchContext } from '../context.ts';
import { childrenRunning, snapshotCpu } from '../cpu.ts';
import type { BenchWorker } from '../fleet-client.ts';
import { requestLoad, runInterleaved, unexpectedOutcomes, type LoadResult, type LoadSpec } from '../measure.ts';
import { startCoordinator, waitForProcesses, type ServiceProcess } from '../processes.ts';
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

function startRedisCoordinator(redis: RedisServer, name: string, processes: number): Promise<ServiceProcess> {
  const prefix = `bench-${randomUUID().slice(0, 8)}-${processes}p:`;
  return startCoordinator({
    name,
    args: ['--store', redis.url, '--store-prefix', prefix, '--processes', String(processes)],
  });
}

export async function measureStore(context: BenchContext): Promise<StoreFigures> {
  const { fleet, profile } = context;
  const batch = 'store10';
  const redis = await startRedis();
  const started: ServiceProcess[] = [];
  const registered: ServiceProcess[] = [];
  let workers: BenchWorker[] = [];
  try {
    const [single, pair] = await Promise.all([
      startRedisCoordinator(redis, 'coordinator with Redis', 1),
      startRedisCoordinator(redis, `coordinator with Redis, ${CLUSTER_PROCESSES} processes`, CLUSTER_PROCESSES),
    ]);
    started.push(single, pair);
    await waitForProcesses(pair, CLUSTER_PROCESSES);
    workers = await fleet.start(batch, STORE_WORKERS, { kind: 'answer', delayMs: 0 });
    const services = [context.coordinator, single, pair] as const;
    for (const service of services) {
      await registerWorkers(service.url, workers);
      registered.push(service);
      const problem = await probeFullAnswer(service, STORE_WORKERS, { signed: true });
      if (problem) context.fail(problem);
    }
    const store = await redisPid();
    const specOf = (service: ServiceProcess): LoadSpec => ({
      ...requestLoad(service, profile, SUBMISSION, THROUGHPUT_CONNECTIONS),
      ...(store === undefined ? {} : { peers: { redis: store } }),
    });
    const [memory, redisResult, cluster] = await runInterleaved([specOf(services[0]), specOf(single), specOf(pair)], profile.rounds);
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
    // The run's coordinator goes on to other measurements: leave its registry empty. The others go.
    if (registered.includes(context.coordinator)) await deregisterWorkers(context.coordinator.url, workers);
    await fleet.stop(batch);
    await Promise.all(started.map((service) => service.stop()));
    await redis.close();
  }
}
