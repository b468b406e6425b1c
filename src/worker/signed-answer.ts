/**
 * Signs a worker's answer: an Ed25519 signature over the canonical encoding of (request id,
 * worker id, query, time, value) that components.yaml's ObservationSignature describes. The
 * time is the task's `as_of` when it has one, else the moment of answering, sent as
 * `observed_at`. Failed answers are not signed: nothing is vouched for.
 */
import { parseInstant } from '../contract/instant.ts';
import type { OracleRequest, WorkerResult } from '../contract/models.ts';
import type { SigningKey } from '../signing/ed25519.ts';
import { observationMessage } from '../signing/messages.ts';

export function signAnswer(result: WorkerResult, task: OracleRequest, key: SigningKey, nowMs: number): WorkerResult {
  if (result.err !== undefined) return result;
  const asOfMs = task.as_of === undefined ? undefined : parseInstant(task.as_of);
  const timeMs = asOfMs ?? nowMs;
  const signature = key.sign(
    observationMessage({ request_id: task.id, worker_id: result.worker_id, query: task.query, time_ms: timeMs, value: result.value }),
  );
  return { ...result, ...(asOfMs === undefined ? { observed_at: new Date(timeMs).toISOString() } : {}), signature };
}
