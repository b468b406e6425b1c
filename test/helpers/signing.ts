/**
 * Signed worker calls and signed answers for the tests: what a worker with a key sends, built
 * from the project's own signing code, and the fakes that sign (or forge) their answers.
 */
import type { OracleRequest, WorkerResult } from '../../src/contract/models.ts';
import type { SigningKey } from '../../src/signing/ed25519.ts';
import { CALL_PATHS, signedRegistration, signWorkerCall } from '../../src/signing/worker-call.ts';
import { signAnswer } from '../../src/worker/signed-answer.ts';
import { coordinatorApi, type Target } from './clients.ts';
import { answerOf } from './fake-workers.ts';

/** POST /register with the worker's public key, signed by `key` (or by `signer`, to forge one). */
export function registerSigned(
  coordinator: Target,
  registration: { id: string; endpoint: string },
  key: SigningKey,
  options: { token?: string; signer?: SigningKey; nowMs?: number } = {},
) {
  const { body } = signedRegistration(key, registration);
  const { headers } = signedRegistration(options.signer ?? key, registration, options.nowMs);
  return coordinatorApi(coordinator, options.token).POST('/register', { body, headers });
}

/** The headers of a heartbeat of `id` signed by `key` at `nowMs`. */
export function signedHeartbeatHeaders(key: SigningKey, id: string, endpoint: string | undefined, nowMs?: number): Record<string, string> {
  return signWorkerCall(key, { method: 'POST', path: CALL_PATHS.heartbeat(id), workerId: id, endpoint }, nowMs);
}

export function signedDeregisterHeaders(key: SigningKey, id: string, nowMs?: number): Record<string, string> {
  return signWorkerCall(key, { method: 'DELETE', path: CALL_PATHS.deregister(id), workerId: id, endpoint: undefined }, nowMs);
}

/** An honest signed answer of `workerId` to `task`. */
export function signedAnswerOf(workerId: string, task: OracleRequest, value: number, key: SigningKey): WorkerResult {
  return signAnswer(answerOf(workerId, task, value), task, key, Date.now());
}
