/**
 * A worker's signature of its own call to the coordinator (register, heartbeat, deregister):
 * the headers of coordinator.yaml's workerSignature scheme.
 */
import { randomBytes } from 'node:crypto';
import type { WorkerRegistration } from '../contract/models.ts';
import type { SigningKey } from './ed25519.ts';
import { workerCallMessage, type WorkerCallFields } from './messages.ts';

export const SIGNATURE_HEADER = 'x-oracle-signature';
export const TIMESTAMP_HEADER = 'x-oracle-timestamp';
export const NONCE_HEADER = 'x-oracle-nonce';

/** How far a call's timestamp may be from the coordinator's clock, either way. */
export const CALL_CLOCK_SKEW_MS = 30_000;

export type CallToSign = Omit<WorkerCallFields, 'timestampMs' | 'nonce'>;

export function signWorkerCall(key: SigningKey, call: CallToSign, nowMs: number = Date.now()): Record<string, string> {
  const nonce = randomBytes(16).toString('base64url');
  const signature = key.sign(workerCallMessage({ ...call, timestampMs: nowMs, nonce }));
  return { [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: String(nowMs), [NONCE_HEADER]: nonce };
}

/** The path each call signs: the operation's path as the spec writes it, with the id filled in. */
export const CALL_PATHS = {
  register: () => '/register',
  heartbeat: (id: string) => `/workers/${id}/heartbeat`,
  deregister: (id: string) => `/workers/${id}`,
} as const;

/** A registration that carries the worker's public key, and the headers that prove it holds the private one. */
export function signedRegistration(
  key: SigningKey,
  registration: { id: string; endpoint: string },
  nowMs?: number,
): { body: WorkerRegistration; headers: Record<string, string> } {
  return {
    body: { ...registration, public_key: key.publicKey.raw },
    headers: signWorkerCall(
      key,
      { method: 'POST', path: CALL_PATHS.register(), workerId: registration.id, endpoint: registration.endpoint },
      nowMs,
    ),
  };
}
