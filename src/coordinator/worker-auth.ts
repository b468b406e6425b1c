/**
 * Who may act for a worker id. An id is bound to the first key it registers with (or to the key
 * pinned for it by `--trusted-workers`); from then on every registration, heartbeat and
 * deregistration of that id must be signed by that key, within a bounded clock skew and with a
 * nonce never used before, and a registration with any other key is refused until an operator
 * re-keys the id. Ids registered without a key (allowed unless keys are required) keep the
 * older rule: the address that registered them acts for them.
 */
import type { Jwk, KeySet, WorkerRegistration } from '../contract/models.ts';
import { ProblemError } from '../http/problems.ts';
import { InvalidKeyError, jwkXOf, parsePublicKey, verifySignature, type PublicKey } from '../signing/ed25519.ts';
import { workerCallMessage } from '../signing/messages.ts';
import { compareIds } from '../signing/report.ts';
import {
  CALL_CLOCK_SKEW_MS,
  CALL_PATHS,
  NONCE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type CallToSign,
} from '../signing/worker-call.ts';
import type { KeyStore } from './key-store.ts';

export type CallHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface WorkerAuthOptions {
  readonly keys: KeyStore;
  /** Keys pinned by the operator: with them, unknown ids and other keys are refused. */
  readonly trusted?: ReadonlyMap<string, PublicKey> | undefined;
  /** Refuse workers that register without a key. */
  readonly requireKeys: boolean;
  /** Most ids bound to keys at once. */
  readonly capacity: number;
  /** How long a coordinator key stays listed after its coordinator last renewed it. */
  readonly coordinatorKeyRetentionMs: number;
  readonly now?: () => number;
}

export class WorkerAuthority {
  readonly #now: () => number;
  /** Keys parsed once, by their base64. */
  readonly #parsed = new Map<string, PublicKey>();

  constructor(private readonly options: WorkerAuthOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** Whether the operator pinned the workers' keys (--trusted-workers). */
  get pinned(): boolean {
    return this.options.trusted !== undefined;
  }

  /**
   * Checks a registration: resolves with the key that proved it (for the registry), or with
   * undefined for a worker without one. Throws 400, 401 BAD_SIGNATURE, 403 WORKER_NOT_TRUSTED
   * or 409 WORKER_KEY_MISMATCH problems.
   */
  async authorizeRegistration(registration: WorkerRegistration, headers: CallHeaders): Promise<PublicKey | undefined> {
    const { id, endpoint } = registration;
    const offered = registration.public_key === undefined ? undefined : offeredKey(registration.public_key);
    const bound = await this.#keyFor(id);
    if (bound !== undefined && offered?.raw !== bound.raw) {
      throw new ProblemError(
        'WORKER_KEY_MISMATCH',
        `Worker ${id} is bound to another key (${bound.keyId}); an operator must re-key it (DELETE /workers/${id} with the admin token) before it registers with ${offered === undefined ? 'none' : 'a new one'}`,
      );
    }
    const key = bound ?? offered;
    if (key === undefined) {
      if (this.options.requireKeys) {
        throw new ProblemError(
          'BAD_SIGNATURE',
          'This coordinator requires worker keys: register with public_key, and sign the call with that key',
          {},
          { 'WWW-Authenticate': 'OracleSignature' },
        );
      }
      return undefined;
    }
    await this.#verifyCall(key, { method: 'POST', path: CALL_PATHS.register(), workerId: id, endpoint }, headers);
    if (bound === undefined) await this.#bind(id, key);
    return key;
  }

  /** A heartbeat or deregistration of a bound id must be signed by its key: 401 BAD_SIGNATURE otherwise. */
  async authorizeCall(call: CallToSign, headers: CallHeaders): Promise<void> {
    const key = await this.#keyFor(call.workerId);
    if (key !== undefined) await this.#verifyCall(key, call, headers);
  }

  /** The key `id` must sign with: pinned (403 WORKER_NOT_TRUSTED for an id not pinned), or bound. */
  async #keyFor(id: string): Promise<PublicKey | undefined> {
    const { trusted } = this.options;
    if (trusted === undefined) return this.#boundKey(id);
    const key = trusted.get(id);
    if (key === undefined) throw new ProblemError('WORKER_NOT_TRUSTED', `Worker ${id} is not in this coordinator's trusted workers`);
    return key;
  }

  /** Forgets `id`'s key (an operator's re-keying); false when it had none. Pinned keys stay pinned. */
  unbind(id: string): Promise<boolean> {
    return this.options.keys.unbind(id);
  }

  /** The workers' keys (pinned, or bound) and the coordinators' as a JWKS-style document. */
  async keySet(): Promise<KeySet> {
    const { keys, trusted } = this.options;
    const [coordinators, workers] = await Promise.all([
      keys.coordinatorKeys(this.#now() - this.options.coordinatorKeyRetentionMs),
      trusted === undefined ? keys.bindings() : Promise.resolve([...trusted].map(([id, key]): [string, string] => [id, key.raw])),
    ]);
    return {
      keys: [
        ...coordinators.flatMap((raw) => this.#jwk(raw, 'coordinator')),
        ...workers.sort(([a], [b]) => compareIds(a, b)).flatMap(([id, raw]) => this.#jwk(raw, 'worker', id)),
      ],
    };
  }

  async #boundKey(id: string): Promise<PublicKey | undefined> {
    const raw = await this.options.keys.keyOf(id);
    return raw === undefined ? undefined : this.#parse(raw);
  }

  async #bind(id: string, key: PublicKey): Promise<void> {
    const outcome = await this.options.keys.bind(id, key.raw, this.options.capacity);
    if (outcome === 'mismatch') {
      throw new ProblemError('WORKER_KEY_MISMATCH', `Worker ${id} was bound to another key a moment ago; an operator must re-key it`);
    }
    if (outcome === 'full') {
      throw new ProblemError(
        'REGISTRY_FULL',
        `The coordinator holds the keys of its maximum of ${this.options.capacity} worker ids; an operator must remove some first`,
      );
    }
  }

  async #verifyCall(key: PublicKey, call: CallToSign, headers: CallHeaders): Promise<void> {
    const signature = header(headers, SIGNATURE_HEADER);
    const timestamp = header(headers, TIMESTAMP_HEADER);
    const nonce = header(headers, NONCE_HEADER);
    if (signature === undefined || timestamp === undefined || nonce === undefined) {
      throw badSignature(
        `Worker ${call.workerId} is bound to a key (${key.keyId}): sign this call (X-Oracle-Signature, X-Oracle-Timestamp, X-Oracle-Nonce)`,
      );
    }
    const timestampMs = Number(timestamp);
    const skewMs = Math.abs(this.#now() - timestampMs);
    if (!(skewMs <= CALL_CLOCK_SKEW_MS)) {
      throw badSignature(
        `The call was signed ${Math.round(skewMs / 1000)} s away from the coordinator's clock (at most ${CALL_CLOCK_SKEW_MS / 1000} s); check the worker's clock`,
      );
    }
    if (!verifySignature(key, workerCallMessage({ ...call, timestampMs, nonce }), signature)) {
      throw badSignature(`The signature does not verify with worker ${call.workerId}'s key (${key.keyId})`);
    }
    // A nonce is claimed only for a valid signature, so that nobody can use up a worker's nonces.
    if (!(await this.options.keys.claimNonce(call.workerId, nonce, 2 * CALL_CLOCK_SKEW_MS))) {
      throw badSignature('This nonce was used already: the call is a replay');
    }
  }

  #parse(raw: string): PublicKey {
    let key = this.#parsed.get(raw);
    if (key === undefined) {
      key = parsePublicKey(raw);
      this.#parsed.set(raw, key);
    }
    return key;
  }

  #jwk(raw: string, role: 'coordinator' | 'worker', workerId?: string): Jwk[] {
    let key: PublicKey;
    try {
      key = this.#parse(raw);
    } catch {
      return [];
    }
    return [
      {
        kty: 'OKP',
        crv: 'Ed25519',
        x: jwkXOf(key),
        kid: key.keyId,
        use: 'sig',
        oracle_role: role,
        ...(workerId === undefined ? {} : { worker_id: workerId }),
      },
    ];
  }
}

function offeredKey(text: string): PublicKey {
  try {
    return parsePublicKey(text);
  } catch (error) {
    if (!(error instanceof InvalidKeyError)) throw error;
    throw new ProblemError('VALIDATION_FAILED', `/body/public_key ${error.message}`, {
      errors: [{ path: '/body/public_key', message: error.message }],
    });
  }
}

function header(headers: CallHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function badSignature(detail: string): ProblemError {
  return new ProblemError('BAD_SIGNATURE', detail, {}, { 'WWW-Authenticate': 'OracleSignature' });
}
