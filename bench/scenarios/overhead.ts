/**
 * Latency overhead: with 10 workers that each take a fixed 20 ms, how much longer a request takes
 * than its slowest worker did. One connection, so each request runs alone and the figure is the
 * service's own cost (parsing, fan-out, judging, aggregation, two loopback hops), not time spent
 * queued behind other requests.
 *
 * The slowest worker's own time per task is measured inside the fleet (request received to
 * answer sent), and the overhead at a percentile is the service's latency at that percentile minus
 * the slowest-worker time at the same percentile.
 */
import { deregisterWorkers, registerWorkers } from '../admin.ts';
import { SUBMISSION, type BenchContext } from '../context.ts';
import type { BenchWorker } from '../fleet-client.ts';
import { requestLoad, runLoad, summarize, unexpectedOutcomes, type LatencySummary, type LoadResult } from '../measure.ts';
import type { ServiceProcess } from '../processes.ts';
import { probeFullAnswer } from './throughput.ts';

export const OVERHEAD_WORKERS = 10;
export const OVERHEAD_WORKER_DELAY_MS = 20;
export const OVERHEAD_CONNECTIONS = 1;

export interface OverheadFigures {
  service: LoadResult;
  /** The slowest worker's own handling time per request. */
  slowestWorkerMs: LatencySummary;
  overheadP50Ms: number;
  overheadP99Ms: number;
}

async function measureService(
  context: BenchContext,
  service: ServiceProcess,
  batch: string,
  workers: BenchWorker[],
): Promise<OverheadFigures> {
  const problem = await probeFullAnswer(service, workers.length);
  if (problem) context.fail(problem);
  const result = await runLoad({
    ...requestLoad(service, context.profile, SUBMISSION, OVERHEAD_CONNECTIONS),
    // Forget the warm-up's tasks so that both distributions cover the same requests.
    beforeMeasure: async () => {
      await context.fleet.takeTimings(batch);
    },
  });
  for (const issue of unexpectedOutcomes(`${service.name}, overhead`, result, 200)) context.fail(issue);
  const slowestWorkerMs = summarize(await context.fleet.takeTimings(batch));
  return {
    service: result,
    slowestWorkerMs,
    overheadP50Ms: result.latencyMs.p50 - slowestWorkerMs.p50,
    overheadP99Ms: result.latencyMs.p99 - slowestWorkerMs.p99,
  };
}

export async function measureOverhead(context: BenchContext): Promise<{ coordinator: OverheadFigures; baseline: OverheadFigures }> {
  const batch = 'slow20';
  const workers = await context.fleet.start(
    batch,
    OVERHEAD_WORKERS,
    { kind: 'answer', delayMs: OVERHEAD_WORKER_DELAY_MS },
    { recordTimings: true },
  );
  try {
    await Promise.all([registerWorkers(context.coordinator.url, workers), registerWorkers(context.baseline.url, workers)]);
    const coordinator = await measureService(context, context.coordinator, batch, workers);
    const baseline = await measureService(context, context.baseline, batch, workers);
    return { coordinator, baseline };
  } finally {
    await Promise.all([deregisterWorkers(context.coordinator.url, workers), deregisterWorkers(context.baseline.url, workers)]);
    await context.fleet.stop(batch);
  }
}
