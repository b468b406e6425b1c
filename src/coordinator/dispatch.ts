/**
 * The fan-out: one task to every chosen worker at once, under one deadline per request. A single
 * AbortController per request is aborted by one timer or by any of the caller's signals (the
 * client going away, the coordinator shutting down); on Node 20 that is cheaper and safer than
 * AbortSignal.timeout/any per call.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { formatDuration } from '../contract/duration.ts';
import { parseInstant } from '../contract/instant.ts';
import type { OracleRequest, WorkerResult } from '../contract/models.ts';
import type { PublicKey } from '../signing/ed25519.ts';
import { checkAnswer, type SignedAnswer } from './answer-check.ts';
import { BlockedAddressError } from '../net/endpoint-policy.ts';
import { TaskTransportError, WorkerOverloadedError, type SendTask } from './task-client.ts';

export interface DispatchTarget {
  readonly id: string;
  readonly endpoint: string;
  /** The key its answers must be signed with, if it registered one. */
  readonly key?: PublicKey | undefined;
}

export interface DispatchOptions {
  timeoutMs: number;
  sendTask: SendTask;
  /** Any of these aborting abandons the fan-out; its reason's message becomes the workers' `err`. */
  cancelSignals?: readonly AbortSignal[];
  /** Refuse unsigned answers from workers with a key. */
  requireSignatures?: boolean;
}

/**
 * How one worker's task ended. `overloaded`: the worker already had as many tasks in flight as
 * it has connections, so this one was failed at once. `cancelled` is nobody's fault and is not
 * held against the worker.
 */
export const DISPATCH_KINDS = ['success', 'failure', 'timeout', 'overloaded', 'cancelled'] as const;
export type DispatchKind = (typeof DISPATCH_KINDS)[number];

export interface DispatchedTask<T extends DispatchTarget = DispatchTarget> {
  readonly target: T;
  readonly kind: DispatchKind;
  readonly latencyMs: number;
  /** The wire form; `reliable` is refined later by the coordinator's judgement. */
  readonly result: WorkerResult;
  /** A usable answer's verified signature. */
  readonly signed?: SignedAnswer | undefined;
}

class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/** An abort reason whose message is shown to the client as each unfinished worker's `err`. */
export class Cancellation extends Error {
  override name = 'Cancellation';
}

/** Every target's outcome, in target order; failures are outcomes, never exceptions. */
export async function dispatchToWorkers<T extends DispatchTarget>(
  targets: readonly T[],
  task: OracleRequest,
  options: DispatchOptions,
): Promise<DispatchedTask<T>[]> {
  const controller = new AbortController();
  // undici listens on the signal once per task; a fan-out to many workers is not a leak.
  setMaxListeners(targets.length + 10, controller.signal);
  // Every call settles by the deadline even if its transport ignores the signal meanwhile (a task
  // queued for a socket does until it gets one): each races this one promise.
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
  });
  aborted.catch(() => undefined);
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(`timed out after ${options.timeoutMs}ms`)), options.timeoutMs);
  const signals = options.cancelSignals ?? [];
  const forwardAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  for (const signal of signals) {
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', forwardAbort, { once: true });
  }
  try {
    // The time a task's signatures cover, read once for all of its workers.
    const asOfMs = task.as_of === undefined ? undefined : parseInstant(task.as_of);
    return await Promise.all(targets.map((target) => callWorker(target, task, asOfMs, controller.signal, aborted, options)));
  } finally {
    clearTimeout(timer);
    for (const signal of signals) signal.removeEventListener('abort', forwardAbort);
  }
}

async function callWorker<T extends DispatchTarget>(
  target: T,
  task: OracleRequest,
  asOfMs: number | undefined,
  signal: AbortSignal,
  aborted: Promise<never>,
  options: DispatchOptions,
): Promise<DispatchedTask<T>> {
  const started = performance.now();
  const sentAtMs = Date.now();
  const settle = (kind: DispatchKind, fields: Settled) => settled(target, task.id, started, kind, fields);
  try {
    const answer = await Promise.race([options.sendTask(target.endpoint, task, signal), aborted]);
    const verdict = checkAnswer(task, target, answer, {
      required: options.requireSignatures ?? false,
      asOfMs,
      sentAtMs,
      nowMs: Date.now(),
    });
    return verdict.usable ? settle('success', verdict) : settle('failure', { err: verdict.err });
  } catch (error) {
    if (error instanceof WorkerOverloadedError) return settle('overloaded', { err: error.message });
    if (!signal.aborted) return settle('failure', { err: transportError(error) });
    const reason: unknown = signal.reason;
    if (reason instanceof DeadlineExceeded) return settle('timeout', { err: reason.message });
    return settle('cancelled', { err: reason instanceof Cancellation ? reason.message : 'cancelled' });
  }
}

type Settled = { value: number; signed?: SignedAnswer | undefined } | { err: string };

/**
 * A task's outcome. Its wire form is one object literal per shape, every member in the wire's
 * order: the history keeps these objects (copied with `reliable` judged), and V8 stores members
 * added after the literal outside the object (on Node 20, 120 bytes for a signed response
 * instead of 96).
 */
function settled<T extends DispatchTarget>(
  target: T,
  requestId: string,
  started: number,
  kind: DispatchKind,
  fields: Settled,
): DispatchedTask<T> {
  const latencyMs = performance.now() - started;
  const worker_id = target.id;
  const response_time = formatDuration(latencyMs);
  if ('err' in fields) {
    const result = { worker_id, request_id: requestId, response_time, value: 0, err: fields.err, reliable: false };
    return { target, kind, latencyMs, result, signed: undefined };
  }
  const { value, signed } = fields;
  let result: WorkerResult;
  if (signed === undefined) result = { worker_id, request_id: requestId, response_time, value, reliable: true };
  else if (signed.observedAt === undefined) {
    result = { worker_id, request_id: requestId, response_time, value, reliable: true, signature: signed.signature };
  } else {
    const { observedAt: observed_at, signature } = signed;
    result = { worker_id, request_id: requestId, response_time, value, reliable: true, observed_at, signature };
  }
  return { target, kind, latencyMs, result, signed };
}

/** A worker's `err` for a call that never got an answer: "unreachable: ECONNREFUSED", "refused: …", "transport error: …". */
function transportError(error: unknown): string {
  if (error instanceof TaskTransportError) return error.message;
  if (error instanceof BlockedAddressError) return `refused: ${error.message}`;
  // undici.request rejects with the system error itself (ECONNREFUSED, ENOTFOUND), or with one of
  // its own (UND_ERR_SOCKET "other side closed", UND_ERR_HEADERS_TIMEOUT) whose message says more.
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && !code.startsWith('UND_ERR_')) return `unreachable: ${code}`;
  return `transport error: ${error instanceof Error ? error.message : String(error)}`;
}
