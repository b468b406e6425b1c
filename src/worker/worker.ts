/** An oracle worker: it prices each task with its observer (the simulation or real sources) and reports the answer. */
import { performance } from 'node:perf_hooks';
import { formatDuration } from '../contract/duration.ts';
import { parseInstant } from '../contract/instant.ts';
import type { OracleRequest, WorkerResult } from '../contract/models.ts';
import { ProblemError } from '../http/problems.ts';
import type { PriceObserver } from './observer.ts';

export class Worker {
  constructor(
    readonly id: string,
    private readonly observer: PriceObserver,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Resolves with the worker's answer, throws a ProblemError for a hard failure, and rejects with
   * an AbortError when `signal` aborts (the caller went away) before it is done.
   */
  async processTask(task: OracleRequest, signal: AbortSignal): Promise<WorkerResult> {
    const started = performance.now();
    const asOfMs = task.as_of === undefined ? this.now() : parseInstant(task.as_of);
    if (asOfMs === undefined)
      throw new ProblemError('VALIDATION_FAILED', '/body/as_of is not a date-time this worker can price', {
        errors: [{ path: '/body/as_of', message: 'cannot be priced' }],
      });
    const observation = await this.observer.observe(task.query, asOfMs, signal);
    const response_time = formatDuration(performance.now() - started);
    if ('err' in observation) {
      return { worker_id: this.id, request_id: task.id, value: 0, err: observation.err, response_time, reliable: false };
    }
    return { worker_id: this.id, request_id: task.id, value: observation.value, response_time, reliable: true };
  }

  /** Stops the observer's work in flight (upstream calls) and lets go of what it holds. */
  async close(): Promise<void> {
    await this.observer.close?.();
  }
}
