/** A simulated oracle worker: it carries out task plans, with real waiting, and reports them. */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../contract/duration.ts';
import { parseInstant } from '../contract/instant.ts';
import type { OracleRequest, WorkerResult } from '../contract/models.ts';
import { ProblemError } from '../http/problems.ts';
import { planTask, taskRandom, type SimulationSettings } from './simulation.ts';

/** A hanging worker gives up after this long, far past any deadline the coordinator accepts. */
const HANG_LIMIT_MS = 10 * 60_000;

export class Worker {
  constructor(
    readonly id: string,
    private readonly settings: SimulationSettings,
    /** With the query and the moment priced, decides every random draw of a task. */
    private readonly seed: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Resolves with the worker's answer, throws a SIMULATED_OUTAGE ProblemError for a hard failure,
   * and rejects with an AbortError when `signal` aborts (the caller went away) before it is done.
   */
  async processTask(task: OracleRequest, signal: AbortSignal): Promise<WorkerResult> {
    const started = performance.now();
    const asOfMs = task.as_of === undefined ? this.now() : parseInstant(task.as_of);
    if (asOfMs === undefined)
      throw new ProblemError('VALIDATION_FAILED', '/body/as_of is not a date-time this worker can price', {
        errors: [{ path: '/body/as_of', message: 'cannot be priced' }],
      });
    const plan = planTask(task.query, this.settings, taskRandom(this.seed, task.query, asOfMs), asOfMs);
    await sleep(plan.kind === 'hang' ? HANG_LIMIT_MS : plan.delayMs, undefined, { signal });
    const response_time = formatDuration(performance.now() - started);
    switch (plan.kind) {
      case 'value':
        return { worker_id: this.id, request_id: task.id, value: plan.value, response_time, reliable: true };
      case 'error':
        return {
          worker_id: this.id,
          request_id: task.id,
          value: 0,
          err: 'simulated failure: price source unavailable',
          response_time,
          reliable: false,
        };
      case 'outage':
      case 'hang':
        throw new ProblemError('SIMULATED_OUTAGE', 'The simulated price source is down');
    }
  }
}
