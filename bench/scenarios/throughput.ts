/**
 * POST /request throughput and latency with n zero-delay workers, for the coordinator and for the
 * bare baseline against the very same workers, in alternating slices.
 */
import { verifyOracleResult } from '../../src/client/client.ts';
import { deregisterWorkers, probeRequest, readKeys, registerWorkers } from '../admin.ts';
import { SUBMISSION, THROUGHPUT_CONNECTIONS, type BenchContext } from '../context.ts';
import { requestLoad, runInterleaved, unexpectedOutcomes, type LoadResult, type LoadSpec } from '../measure.ts';
import type { ServiceProcess } from '../processes.ts';

export interface ThroughputFigures {
  workers: number;
  connections: number;
  coordinator: LoadResult;
  baseline: LoadResult;
  /** coordinator req/s ÷ baseline req/s */
  ratio: number;
}

/**
 * One request before the load: the service must answer 200 with every worker's value in the
 * average, or the throughput figure would be measuring failures. With `signed`, the result must
 * also carry a report that verifies against the service's GET /keys, as a client would check it:
 * otherwise the signed figures would be those of answers the coordinator did not check.
 */
export async function probeFullAnswer(service: ServiceProcess, workers: number, { signed = false } = {}): Promise<string | undefined> {
  const probe = await probeRequest(service.url, SUBMISSION);
  if ('problem' in probe) return `${service.name} probe: HTTP ${probe.problem.status} ${JSON.stringify(probe.problem).slice(0, 500)}`;
  const { result } = probe;
  const usable = result.worker_responses.filter((response) => response.err === undefined).length;
  if (usable !== workers) return `${service.name} probe: ${usable} usable answers, expected ${workers}: ${result.reliability_note}`;
  // The baseline's answers are not validated: a final_value that is not a finite number fails here.
  if (!Number.isFinite(result.final_value) || Math.abs(result.final_value - 42_000) > 10)
    return `${service.name} probe: final_value ${String(result.final_value)}`;
  if (signed) {
    const verification = verifyOracleResult(result, await readKeys(service.url));
    if (!verification.valid) return `${service.name} probe: the signed result does not verify: ${verification.failures.join('; ')}`;
  }
  return undefined;
}

function loadOn(context: BenchContext, service: ServiceProcess): LoadSpec {
  return requestLoad(service, context.profile, SUBMISSION, THROUGHPUT_CONNECTIONS);
}

export async function measureThroughput(context: BenchContext, workerCount: number): Promise<ThroughputFigures> {
  const batch = `zero${workerCount}`;
  const workers = await context.fleet.start(batch, workerCount, { kind: 'answer', delayMs: 0 });
  try {
    await Promise.all([registerWorkers(context.coordinator.url, workers), registerWorkers(context.baseline.url, workers)]);
    for (const [service, signed] of [
      [context.coordinator, true],
      [context.baseline, false],
    ] as const) {
      const problem = await probeFullAnswer(service, workers.length, { signed });
      if (problem) context.fail(problem);
    }
    const [coordinator, baseline] = await runInterleaved(
      [loadOn(context, context.coordinator), loadOn(context, context.baseline)],
      context.profile.rounds,
    );
    for (const [name, result] of [
      ['coordinator', coordinator],
      ['baseline', baseline],
    ] as const) {
      for (const issue of unexpectedOutcomes(`${name}, ${workerCount} workers`, result, 200)) context.fail(issue);
    }
    return { workers: workerCount, connections: THROUGHPUT_CONNECTIONS, coordinator, baseline, ratio: coordinator.rps / baseline.rps };
  } finally {
    await Promise.all([deregisterWorkers(context.coordinator.url, workers), deregisterWorkers(context.baseline.url, workers)]);
    await context.fleet.stop(batch);
  }
}
