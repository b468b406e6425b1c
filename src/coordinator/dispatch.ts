/**
 * The fan-out: one task to every chosen worker at once, under one deadline per request. A single
 * AbortController per request is aborted by one timer or by the caller's signal (the client going
 * away); on Node 20 that is cheaper and safer than AbortSignal.timeout/any per call.
 */
import { performance } from 'node:perf_hooks';
import { formatDuration } from '../shared/duration.ts';
import type { OracleRequest, WorkerResult } from '../shared/models.ts';
import { checkAnswer } from './answer-check.ts';
import type { SendTask } from './task-client.ts';

export interface DispatchTarget {
  readonly id: string;
  readonly endpoint: string;
}

export interface DispatchOptions {
  timeoutMs: number;
  sendTask: SendTask;
  /** Aborted when the result is no longer wanted, e.g. the client disconnected. */
  signal?: AbortSignal;
}

class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/** Every target's result, in target order; failures carry `err` and are never thrown. */
export async function dispatchToWorkers(targets: readonly DispatchTarget[], task: OracleRequest, options: DispatchOptions): Promise<WorkerResult[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(`timed out after ${options.timeoutMs}ms`)), options.timeoutMs);
  const forwardAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  if (options.signal?.aborted) forwardAbort();
  try {
    return await Promise.all(targets.map((target) => callWorker(target, task, controller.signal, options.sendTask)));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', forwardAbort);
  }
}

async function callWorker(target: DispatchTarget, task: OracleRequest, signal: AbortSignal, sendTask: SendTask): Promise<WorkerResult> {
  const started = performance.now();
  const result = (fields: { value: number } | { err: string }): WorkerResult => {
    const elapsed = formatDuration(performance.now() - started);
    return 'err' in fields
      ? { worker_id: target.id, request_id: task.id, value: 0, err: fields.err, response_time: elapsed, reliable: false }
      : { worker_id: target.id, request_id: task.id, value: fields.value, response_time: elapsed, reliable: true };
  };
  try {
    const verdict = checkAnswer(task, target.id, await sendTask(target.endpoint, task, signal));
    return verdict.usable ? result({ value: verdict.value }) : result({ err: verdict.err });
  } catch (error) {
    return result({ err: signal.aborted ? abortReason(signal) : transportError(error) });
  }
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof DeadlineExceeded) return reason.message;
  return 'cancelled: the request was abandoned';
}

/** "unreachable: ECONNREFUSED" rather than undici's generic "fetch failed". */
function transportError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return `unreachable: ${cause.code}`;
  if (typeof cause?.message === 'string') return `transport error: ${cause.message}`;
  return `transport error: ${error instanceof Error ? error.message : String(error)}`;
}
