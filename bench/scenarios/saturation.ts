/**
 * Deadline adherence with a saturated worker (the hardening issue's reproduction): two workers
 * that answer at once and one that never does. 70 background requests with `timeout_ms: 20000`:
 * 64 are sent at once and hold every connection the coordinator keeps to the hanging worker (its
 * per-worker cap); once the other two have answered them, the 6 beyond find that worker
 * overloaded and are answered by the other two. (Sent in one burst, the 6 could reach the
 * coordinator before any answer, and find all three workers at their cap.) Then requests with
 * `timeout_ms: 500` are measured on a few connections: each asks the saturated worker too, and
 * must still end by its deadline. Before the hardening such a task queued in undici for a socket,
 * and its request waited for the background's 20 s.
 *
 * This runs on a coordinator of its own started with `--max-ejected-share 0`, which ejects no
 * worker: by default 3 overloads in a row would eject the hanging worker, and the measured
 * requests would not ask it at all (the row would measure ejection, not the deadline).
 * `--eject-after-failures` cannot do it: it takes at most 1,000, fewer overloads than one run
 * piles up.
 */
import type { OracleRequestSubmission, OracleResult } from '../../src/contract/models.ts';
import { createOracleClient } from '../../src/client/client.ts';
import { DEFAULT_TASKS_PER_WORKER } from '../../src/coordinator/task-client.ts';
import { probeRequest, readCounterBy, readMetric, registerWorkers } from '../admin.ts';
import { SUBMISSION, type BenchContext } from '../context.ts';
import { requestLoad, runLoad, unexpectedOutcomes, type LoadResult } from '../measure.ts';
import { startCoordinator } from '../processes.ts';
import { waitUntil } from '../wait.ts';
import { DEADLINE_MS } from './deadline.ts';

export const SATURATION_BACKGROUND_REQUESTS = 70;
export const SATURATION_BACKGROUND_TIMEOUT_MS = 20_000;
/** The coordinator's cap on tasks in flight to one worker (its connections to it). */
export const SATURATION_WORKER_CAP = DEFAULT_TASKS_PER_WORKER;
export const SATURATION_CONNECTIONS = 4;
const ANSWERING_BATCHES = ['sat-a', 'sat-b'] as const;
const READY_WITHIN_MS = 10_000;
const ABANDON_WITHIN_MS = 2_000;

export interface SaturationFigures {
  result: LoadResult;
  /** Background requests still in flight (holding the hanging worker's connections) when the load ended. */
  backgroundHeld: number;
  /** Measured requests whose task to the hanging worker failed at once as overloaded (from /metrics). */
  overloaded: number;
}

export async function measureSaturation(context: BenchContext): Promise<SaturationFigures> {
  // One batch per answering worker, each keeping a timing per task it answered: the count of
  // those is when the held requests have been answered by both.
  const [answeringA, answeringB, hanging] = await Promise.all([
    context.fleet.start(ANSWERING_BATCHES[0], 1, { kind: 'answer', delayMs: 0 }, { recordTimings: true }),
    context.fleet.start(ANSWERING_BATCHES[1], 1, { kind: 'answer', delayMs: 0 }, { recordTimings: true }),
    context.fleet.start('sat-hang', 1, { kind: 'hang' }),
  ]);
  const answering = [...answeringA, ...answeringB];
  const hangId = hanging[0]?.id ?? 'sat-hang-1';
  const coordinator = await startCoordinator({ args: ['--max-ejected-share', '0'] });
  const background = new AbortController();
  try {
    await registerWorkers(coordinator.url, [...answering, ...hanging]);
    const client = createOracleClient({ baseUrl: coordinator.url });
    const ended: (OracleResult | Error)[] = [];
    const sendBackground = (count: number) =>
      Array.from({ length: count }, () =>
        client.submitOracleRequest(SUBMISSION.query, { timeout_ms: SATURATION_BACKGROUND_TIMEOUT_MS, signal: background.signal }).then(
          (result) => void ended.push(result),
          (error: unknown) => void ended.push(error instanceof Error ? error : new Error(String(error))),
        ),
      );
    const held = sendBackground(SATURATION_WORKER_CAP);
    const answered = new Map<string, number>(ANSWERING_BATCHES.map((batch) => [batch, 0]));
    const answeredByBoth = async () => {
      for (const batch of ANSWERING_BATCHES)
        answered.set(batch, (answered.get(batch) ?? 0) + (await context.fleet.takeTimings(batch)).length);
      return [...answered.values()].every((count) => count >= SATURATION_WORKER_CAP);
    };
    if (!(await waitUntil(answeredByBoth, READY_WITHIN_MS)))
      context.fail(`saturation: the answering workers had not answered the first ${SATURATION_WORKER_CAP} background requests`);
    // The requests beyond the cap end at once, answered without the overloaded hanging worker;
    // the others stay in flight, holding its connections.
    const beyond = SATURATION_BACKGROUND_REQUESTS - SATURATION_WORKER_CAP;
    const backgroundRequests = [...held, ...sendBackground(beyond)];
    await waitUntil(() => ended.length >= beyond, READY_WITHIN_MS);
    for (const outcome of ended) {
      if (outcome instanceof Error || !overloadedIn(outcome, hangId))
        context.fail(`saturation: a background request beyond the cap ended otherwise: ${describe(outcome)}`);
    }
    if (ended.length !== beyond) context.fail(`saturation: ${ended.length} background requests ended before the load, expected ${beyond}`);

    const body: OracleRequestSubmission = { ...SUBMISSION, timeout_ms: DEADLINE_MS };
    const probe = await probeRequest(coordinator.url, body);
    if ('problem' in probe) context.fail(`saturation probe: HTTP ${probe.problem.status} ${probe.problem.code ?? ''}`);
    else if (!overloadedIn(probe.result, hangId))
      context.fail(`saturation probe: the hanging worker was not overloaded: ${probe.result.reliability_note}`);

    const result = await runLoad({
      ...requestLoad(coordinator, context.profile, body, SATURATION_CONNECTIONS),
      readCounters: async () => {
        const samples = await readMetric(coordinator.url, 'oracle_worker_tasks_total');
        const overloaded = samples.find((s) => s.labels.worker_id === hangId && s.labels.outcome === 'overloaded');
        return { overloaded: overloaded?.value ?? 0 };
      },
    });
    for (const issue of unexpectedOutcomes('coordinator, saturated worker', result, 200)) context.fail(issue);
    const overloaded = result.counted?.overloaded ?? 0;
    // Every measured request asked the hanging worker and found it full: else the figure would
    // not be about a saturated worker at all.
    if (overloaded < result.latencyMs.count)
      context.fail(
        `saturation: ${overloaded} overloaded tasks for ${result.latencyMs.count} requests; the hanging worker was not saturated throughout`,
      );
    const backgroundHeld = SATURATION_BACKGROUND_REQUESTS - ended.length;
    if (backgroundHeld !== SATURATION_WORKER_CAP)
      context.fail(`saturation: ${backgroundHeld} background requests in flight at the end, expected ${SATURATION_WORKER_CAP}`);

    // Tear the background down: its clients go away, so the coordinator abandons those rounds
    // (and lets go of the hanging worker's connections).
    background.abort();
    if (!(await waitUntil(() => ended.length === backgroundRequests.length, ABANDON_WITHIN_MS)))
      context.fail(
        `saturation: ${backgroundRequests.length - ended.length} background requests had not ended ${ABANDON_WITHIN_MS / 1000} s after the abort`,
      );
    for (const outcome of ended.slice(beyond)) {
      if (!(outcome instanceof Error && outcome.name === 'AbortError'))
        context.fail(`saturation: a background request ended with ${describe(outcome)}`);
    }
    const abandoned = async () =>
      ((await readCounterBy(coordinator.url, 'oracle_requests_total', 'outcome')).abandoned ?? 0) >= backgroundHeld;
    if (!(await waitUntil(abandoned, ABANDON_WITHIN_MS)))
      context.fail(
        `saturation: the coordinator had not abandoned the background requests ${ABANDON_WITHIN_MS / 1000} s after their clients left`,
      );
    return { result, backgroundHeld, overloaded };
  } finally {
    background.abort();
    await coordinator.stop();
    await Promise.all([...ANSWERING_BATCHES.map((batch) => context.fleet.stop(batch)), context.fleet.stop('sat-hang')]);
  }
}

function describe(outcome: OracleResult | Error): string {
  return outcome instanceof Error ? outcome.message : outcome.reliability_note;
}

function overloadedIn(result: OracleResult, workerId: string): boolean {
  return result.worker_responses.some((response) => response.worker_id === workerId && response.err?.startsWith('overloaded') === true);
}
