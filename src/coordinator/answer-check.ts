/**
 * Decides whether a worker's HTTP answer is a usable value. The body must match worker.yaml's
 * WorkerResult (a validator compiled once from the shared components file), be about the task
 * and the worker we asked, and carry a finite value with no `err`. A worker with a registered
 * key must sign its value (components.yaml's ObservationSignature) when signatures are
 * required, and a signature it sends must verify, whether required or not.
 */
import { parseInstant } from '../contract/instant.ts';
import type { OracleRequest, WorkerResult } from '../contract/models.ts';
import { componentValidator } from '../contract/schemas.ts';
import { isWellFormedSignature, verifySignature, type PublicKey } from '../signing/ed25519.ts';
import { observationMessage } from '../signing/messages.ts';
import { CALL_CLOCK_SKEW_MS } from '../signing/worker-call.ts';

const isWorkerResult = componentValidator<WorkerResult>('WorkerResult');

export interface RawAnswer {
  status: number;
  contentType: string | null;
  body: string;
}

/** A usable answer's signature and the time it covers. */
export interface SignedAnswer {
  readonly signature: string;
  readonly timeMs: number;
  /** As the worker sent it, for a task without `as_of`. */
  readonly observedAt: string | undefined;
}

export type AnswerVerdict = { usable: true; value: number; signed?: SignedAnswer } | { usable: false; err: string };

export interface AnsweringWorker {
  readonly id: string;
  /** The key its id is bound to, if it registered with one. */
  readonly key?: PublicKey | undefined;
}

export interface SignaturePolicy {
  /** Refuse unsigned answers from workers with a key. */
  readonly required: boolean;
  /** The task's `as_of` in ms (undefined without one), read once per task rather than per answer. */
  readonly asOfMs: number | undefined;
  /** When the task was sent and now: `observed_at` must fall between them, give or take the clock skew. */
  readonly sentAtMs: number;
  readonly nowMs: number;
}

const MAX_ERR_LENGTH = 300;

export function checkAnswer(task: OracleRequest, worker: AnsweringWorker, answer: RawAnswer, policy: SignaturePolicy): AnswerVerdict {
  const workerId = worker.id;
  if (answer.status !== 200) return refuse(`HTTP ${answer.status}${problemSummary(answer)}`);
  if (!/^application\/json\b/i.test(answer.contentType ?? '')) {
    return refuse(`answer is not JSON (content-type ${answer.contentType ?? 'missing'})`);
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return refuse('answer is not valid JSON');
  }
  const signature = (body as { signature?: unknown } | null)?.signature;
  if (typeof signature === 'string' && !isWellFormedSignature(signature)) {
    return refuse(`signature is malformed: expected base64 of 64 bytes (88 characters), got ${signature.length} characters`);
  }
  if (!isWorkerResult(body)) {
    const first = isWorkerResult.errors?.[0];
    return refuse(`answer violates the worker contract: ${first ? `${first.instancePath || '/'} ${first.message ?? ''}` : 'invalid'}`);
  }
  if (body.request_id !== task.id) return refuse(`answer is for request ${body.request_id}, not ${task.id}`);
  if (body.worker_id !== workerId) return refuse(`answer names worker ${body.worker_id}, not ${workerId}`);
  if (body.err !== undefined) return refuse(`worker reported: ${body.err}`);
  if (!Number.isFinite(body.value)) return refuse('value is not a finite number');
  if (worker.key === undefined || (body.signature === undefined && !policy.required)) return { usable: true, value: body.value };
  const signed = checkSignature(task, worker as Required<AnsweringWorker>, body, policy);
  return typeof signed === 'string' ? refuse(signed) : { usable: true, value: body.value, signed };
}

/** The answer's verified signature, or why it does not do. */
function checkSignature(
  task: OracleRequest,
  worker: Required<AnsweringWorker>,
  body: WorkerResult,
  policy: SignaturePolicy,
): SignedAnswer | string {
  if (body.signature === undefined) return `answer is not signed, and ${worker.id} has a registered key (${worker.key.keyId})`;
  let timeMs: number | undefined;
  if (task.as_of !== undefined) {
    timeMs = policy.asOfMs;
  } else {
    if (body.observed_at === undefined) return 'signed answer has no observed_at, the time its signature covers';
    timeMs = parseInstant(body.observed_at);
    if (timeMs === undefined) return `observed_at ${body.observed_at} is not a date-time`;
    if (timeMs < policy.sentAtMs - CALL_CLOCK_SKEW_MS || timeMs > policy.nowMs + CALL_CLOCK_SKEW_MS) {
      return `observed_at ${body.observed_at} is not the time of this task (more than ${CALL_CLOCK_SKEW_MS / 1000} s off the coordinator's clock)`;
    }
  }
  if (timeMs === undefined) return 'the task has no time to sign';
  const message = observationMessage({ request_id: task.id, worker_id: worker.id, query: task.query, time_ms: timeMs, value: body.value });
  if (!verifySignature(worker.key, message, body.signature)) {
    return `signature does not verify with ${worker.id}'s key (${worker.key.keyId}) over this request, time and value`;
  }
  return { signature: body.signature, timeMs, observedAt: body.observed_at };
}

function refuse(err: string): AnswerVerdict {
  return { usable: false, err: err.length > MAX_ERR_LENGTH ? `${err.slice(0, MAX_ERR_LENGTH - 1)}…` : err };
}

/** ": <detail>" from a problem+json body, when there is one. */
function problemSummary(answer: RawAnswer): string {
  if (!/^application\/(problem\+)?json\b/i.test(answer.contentType ?? '')) return '';
  try {
    const problem = JSON.parse(answer.body) as { detail?: unknown; title?: unknown };
    const text = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : '';
    return text ? `: ${text}` : '';
  } catch {
    return '';
  }
}
