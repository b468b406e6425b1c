/**
 * 1,000 registered workers on a fresh coordinator: its resident memory, committee sampling
 * (`ask_count: 10`) throughput against the 10-worker figure, and, for information, requests
 * without `ask_count` (a fan-out to all 1,000, or to the coordinator's default cap if it has one).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { OracleRequestSubmission } from '../../src/contract/models.ts';
import { probeRequest, readMetricResidentBytes, registerWorkers } from '../admin.ts';
import { SUBMISSION, THROUGHPUT_CONNECTIONS, type BenchContext } from '../context.ts';
import { requestLoad, runLoad, unexpectedOutcomes, type LoadResult } from '../measure.ts';
import { readResidentBytes, startCoordinator, type ServiceProcess } from '../processes.ts';

export const SCALE_WORKERS = 1000;
export const ASK_COUNT = 10;
/** A fan-out to hundreds of workers is slow by design; a few connections show its cost. */
export const DEFAULT_FAN_OUT_CONNECTIONS = 2;

export type AskCountFigures =
  | { supported: true; result: LoadResult; workersAsked: number | undefined; workersRegistered: number | undefined }
  | { supported: false; reason: string };

export interface ScaleFigures {
  workers: number;
  /** Resident memory (bytes) once every worker is registered, before any request. */
  residentIdleBytes: number;
  /**
   * After the ask_count run (undefined when ask_count is not supported). This and the idle
   * figure are judged against the target: they are what a coordinator sampling committees from
   * 1,000 workers holds.
   */
  residentAfterAskCountBytes: number | undefined;
  /** After the runs without ask_count too; information (V8 grows its heap with the allocation rate). */
  residentAfterDefaultFanOutBytes: number;
  residentSource: 'proc' | 'metrics';
  askCount: AskCountFigures;
  /** Requests without ask_count: how many workers the coordinator asked, and the load figures. */
  defaultFanOut: { workersAsked: number | undefined; result: LoadResult };
}

async function readResident(service: ServiceProcess): Promise<{ bytes: number; source: 'proc' | 'metrics' }> {
  try {
    return { bytes: await readResidentBytes(service.pid), source: 'proc' };
  } catch {
    // No /proc (not Linux): the coordinator's own Prometheus gauge says the same.
    return { bytes: await readMetricResidentBytes(service.url), source: 'metrics' };
  }
}

async function measureAskCount(context: BenchContext, coordinator: ServiceProcess): Promise<AskCountFigures> {
  const body: OracleRequestSubmission = { ...SUBMISSION, ask_count: ASK_COUNT };
  const probe = await probeRequest(coordinator.url, body);
  const answer = 'result' in probe ? probe.result : undefined;
  if ('problem' in probe) {
    if (probe.problem.status === 400) return { supported: false, reason: probe.problem.detail ?? 'HTTP 400' };
    context.fail(`ask_count probe: HTTP ${probe.problem.status} ${JSON.stringify(probe.problem).slice(0, 500)}`);
  } else if (probe.result.worker_responses.length !== ASK_COUNT) {
    context.fail(`ask_count probe: ${probe.result.worker_responses.length} workers asked, expected ${ASK_COUNT}`);
  }
  const result = await runLoad(requestLoad(coordinator, context.profile, body, THROUGHPUT_CONNECTIONS));
  for (const issue of unexpectedOutcomes(`coordinator, ${SCALE_WORKERS} workers, ask_count ${ASK_COUNT}`, result, 200)) context.fail(issue);
  return { supported: true, result, workersAsked: answer?.workers_asked, workersRegistered: answer?.workers_registered };
}

export async function measureScale(context: BenchContext): Promise<ScaleFigures> {
  const batch = 'k1000';
  const workers = await context.fleet.start(batch, SCALE_WORKERS, { kind: 'answer', delayMs: 0 });
  // A coordinator of its own: its memory then reflects 1,000 workers, not the earlier runs.
  const coordinator = await startCoordinator();
  try {
    await registerWorkers(coordinator.url, workers);
    // A moment for the registration burst to finish (its responses, its log lines) first.
    await sleep(1000);
    const idle = await readResident(coordinator);
    context.progress(`  ${SCALE_WORKERS.toLocaleString('en-US')} workers registered: ${(idle.bytes / 2 ** 20).toFixed(1)} MiB resident`);

    context.progress(`  ask_count ${ASK_COUNT} of ${SCALE_WORKERS.toLocaleString('en-US')}`);
    const askCount = await measureAskCount(context, coordinator);
    if (!askCount.supported) context.progress(`  ask_count not supported: ${askCount.reason}`);
    const afterAskCount = askCount.supported ? await readResident(coordinator) : undefined;

    const probe = await probeRequest(coordinator.url, SUBMISSION);
    const workersAsked = 'result' in probe ? probe.result.worker_responses.length : undefined;
    context.progress(`  without ask_count: ${String(workersAsked)} of ${SCALE_WORKERS.toLocaleString('en-US')} workers asked`);
    const defaultFanOut = await runLoad(requestLoad(coordinator, context.profile, SUBMISSION, DEFAULT_FAN_OUT_CONNECTIONS));
    // Information only: a request may well outlast a quick run's window here, so "no response"
    // is a figure (0 req/s), not a failure; a wrong status still is one.
    for (const issue of unexpectedOutcomes(`coordinator, ${SCALE_WORKERS} workers without ask_count`, defaultFanOut, 200)) {
      if (defaultFanOut.latencyMs.count > 0) context.fail(issue);
    }
    const after = await readResident(coordinator);
    return {
      workers: SCALE_WORKERS,
      residentIdleBytes: idle.bytes,
      residentAfterAskCountBytes: afterAskCount?.bytes,
      residentAfterDefaultFanOutBytes: after.bytes,
      residentSource: idle.source,
      askCount,
      defaultFanOut: { workersAsked, result: defaultFanOut },
    };
  } finally {
    await coordinator.stop();
    await context.fleet.stop(batch);
  }
}
