/**
 * Deadline adherence: one registered worker that never answers, requests with `timeout_ms: 500`.
 * Every request must end with 503 NO_USABLE_ANSWER as soon as the deadline passes; the figure is
 * how late the p99 is. Ten connections keep several deadlines (timers, aborts) pending at once.
 */
import type { OracleRequestSubmission } from '../../src/contract/models.ts';
import { deregisterWorkers, probeRequest, registerWorkers } from '../admin.ts';
import { SUBMISSION, type BenchContext } from '../context.ts';
import { requestLoad, runLoad, unexpectedOutcomes, type LoadResult } from '../measure.ts';

export const DEADLINE_MS = 500;
export const DEADLINE_CONNECTIONS = 10;

export async function measureDeadline(context: BenchContext): Promise<LoadResult> {
  const batch = 'hang';
  const workers = await context.fleet.start(batch, 1, { kind: 'hang' });
  const body: OracleRequestSubmission = { ...SUBMISSION, timeout_ms: DEADLINE_MS };
  const url = context.coordinator.url;
  try {
    await registerWorkers(url, workers);
    const probe = await probeRequest(url, body);
    const [status, code] = 'problem' in probe ? [probe.problem.status, probe.problem.code] : [200, undefined];
    if (status !== 503 || code !== 'NO_USABLE_ANSWER')
      context.fail(`deadline probe: expected 503 NO_USABLE_ANSWER, got ${status} ${String(code)}`);
    const result = await runLoad({
      ...requestLoad(context.coordinator, context.profile, body, DEADLINE_CONNECTIONS),
      durationSec: context.profile.deadlineDurationSec,
      // At least two deadlines long, so the timeout path (abort, 503 problem) is compiled and
      // warm before the first measured request; a shorter warm-up ends before any request does.
      warmupSec: Math.max(context.profile.warmupSec, (2 * DEADLINE_MS) / 1000 + 0.2),
    });
    for (const issue of unexpectedOutcomes('coordinator, deadline', result, 503)) context.fail(issue);
    // An answer well before the deadline means the hanging worker was not waited for (ejected,
    // or not asked): then the p99 would look good for the wrong reason.
    if (result.latencyMs.p50 < DEADLINE_MS - 5)
      context.fail(`coordinator, deadline: p50 ${result.latencyMs.p50.toFixed(1)} ms is before the ${DEADLINE_MS} ms deadline`);
    return result;
  } finally {
    await deregisterWorkers(url, workers);
    await context.fleet.stop(batch);
  }
}
