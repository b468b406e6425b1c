/**
 * 1,000 registered workers on a fresh coordinator: its resident memory, committee sampling
 * (`ask_count: 10`) throughput against a fresh coordinator with 10 workers measured beside it,
 * and, for information, requests without `ask_count` (a fan-out to all 1,000, or to the
 * coordinator's default cap if it has one).
 *
 * The two `ask_count` figures are taken in alternating slices, as the throughput rows are: taken
 * minutes apart (the 10-worker figure from the throughput row), their ratio read 0.70 to 0.91 in
 * four full runs of one tree, with the `ask_count` figure itself within 515 to 574 requests/s.
 *
 * Memory is read idle, at the end of each load, and once it has settled without requests. At a
 * load's last request V8's heap still holds that load's garbage (it is sized to the allocation
 * rate, several times the live heap); V8 gives it back on its own once the allocation rate drops
 * (its memory reducer, 12 to 30 s later in these runs, in one step or more). The settled figure is what
 * the coordinator keeps after the load, and is the one judged.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { OracleRequestSubmission } from '../../src/contract/models.ts';
import { probeRequest, readMetricResidentBytes, registerWorkers } from '../admin.ts';
import { SUBMISSION, THROUGHPUT_CONNECTIONS, type BenchContext } from '../context.ts';
import { requestLoad, runInterleaved, runLoad, unexpectedOutcomes, type LoadResult } from '../measure.ts';
import { readResidentBytes, startCoordinator, type ServiceProcess } from '../processes.ts';
import { probeFullAnswer } from './throughput.ts';

export const SCALE_WORKERS = 1000;
export const ASK_COUNT = 10;
/** The reference the `ask_count` figure is judged against: a coordinator with this many workers. */
export const REFERENCE_WORKERS = 10;
/** A fan-out to hundreds of workers is slow by design; a few connections show its cost. */
export const DEFAULT_FAN_OUT_CONNECTIONS = 2;
/**
 * Memory is read every SETTLE_POLL_MS for SETTLE_MS without requests, and the last reading is
 * the settled figure; it counts as settled if it held within SETTLE_STEADY for the last
 * SETTLE_HOLD_MS. An earlier rule stopped at the first reading that had fallen by a quarter and
 * held for 5 s, and once took a plateau on the way down (235 MiB, where the same load settles
 * near 150): V8 can give the heap back in more than one step.
 */
export const SETTLE_MS = 60_000;
const SETTLE_POLL_MS = 1000;
const SETTLE_HOLD_MS = 10_000;
const SETTLE_STEADY = 0.01;

export type AskCountFigures =
  | {
      supported: true;
      result: LoadResult;
      /** A fresh coordinator with REFERENCE_WORKERS workers, in slices alternating with `result`'s. */
      reference: LoadResult;
      workersAsked: number | undefined;
      workersRegistered: number | undefined;
    }
  | { supported: false; reason: string };

export interface ScaleFigures {
  workers: number;
  /** Resident memory (bytes) once every worker is registered, before any request. */
  residentIdleBytes: number;
  /** At the end of the ask_count run (undefined when ask_count is not supported); information. */
  residentAfterAskCountBytes: number | undefined;
  /** At the end of the runs without ask_count; information (V8 grows its heap with the allocation rate). */
  residentAfterDefaultFanOutBytes: number;
  /** Once settled after both loads (see SETTLE_MS): judged against the target. */
  residentSettledBytes: number;
  /** When, after the last load, memory came to the level it ended at. */
  settledAfterMs: number;
  /** Whether it held at that level for the last SETTLE_HOLD_MS of SETTLE_MS. */
  settled: boolean;
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

/** Reads resident memory every second for SETTLE_MS after a load: see SETTLE_MS. */
async function settle(service: ServiceProcess): Promise<{ bytes: number; afterMs: number; settled: boolean }> {
  const readings: { atMs: number; bytes: number }[] = [];
  for (let atMs = SETTLE_POLL_MS; atMs <= SETTLE_MS; atMs += SETTLE_POLL_MS) {
    await sleep(SETTLE_POLL_MS);
    readings.push({ atMs, bytes: (await readResident(service)).bytes });
  }
  const last = readings.at(-1) ?? { atMs: 0, bytes: 0 };
  const near = (bytes: number) => Math.abs(bytes - last.bytes) <= last.bytes * SETTLE_STEADY;
  // When memory came to the level it ended at: the reading after the last one away from it.
  const lastAway = readings.findLastIndex((reading) => !near(reading.bytes));
  const afterMs = readings[lastAway + 1]?.atMs ?? last.atMs;
  return { bytes: last.bytes, afterMs, settled: last.atMs - afterMs >= SETTLE_HOLD_MS };
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
  const batch = `ref${REFERENCE_WORKERS}`;
  const referenceWorkers = await context.fleet.start(batch, REFERENCE_WORKERS, { kind: 'answer', delayMs: 0 });
  const reference = await startCoordinator({ name: `coordinator with ${REFERENCE_WORKERS} workers` });
  try {
    await registerWorkers(reference.url, referenceWorkers);
    const problem = await probeFullAnswer(reference, REFERENCE_WORKERS, { signed: true });
    if (problem) context.fail(problem);
    const [result, referenceResult] = await runInterleaved(
      [
        requestLoad(coordinator, context.profile, body, THROUGHPUT_CONNECTIONS),
        requestLoad(reference, context.profile, SUBMISSION, THROUGHPUT_CONNECTIONS),
      ],
      context.profile.rounds,
    );
    for (const issue of unexpectedOutcomes(`coordinator, ${SCALE_WORKERS} workers, ask_count ${ASK_COUNT}`, result, 200))
      context.fail(issue);
    for (const issue of unexpectedOutcomes(`coordinator, ${REFERENCE_WORKERS} workers`, referenceResult, 200)) context.fail(issue);
    return {
      supported: true,
      result,
      reference: referenceResult,
      workersAsked: answer?.workers_asked,
      workersRegistered: answer?.workers_registered,
    };
  } finally {
    await reference.stop();
    await context.fleet.stop(batch);
  }
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
    context.progress(
      `  ${(after.bytes / 2 ** 20).toFixed(1)} MiB resident at the end of the loads; reading it for ${SETTLE_MS / 1000} s without requests`,
    );
    const settled = await settle(coordinator);
    return {
      workers: SCALE_WORKERS,
      residentIdleBytes: idle.bytes,
      residentAfterAskCountBytes: afterAskCount?.bytes,
      residentAfterDefaultFanOutBytes: after.bytes,
      residentSettledBytes: settled.bytes,
      settledAfterMs: settled.afterMs,
      settled: settled.settled,
      residentSource: idle.source,
      askCount,
      defaultFanOut: { workersAsked, result: defaultFanOut },
    };
  } finally {
    await coordinator.stop();
    await context.fleet.stop(batch);
  }
}
