/**
 * A worker's membership in its coordinator's registry: it registers at start-up (retrying with
 * capped exponential back-off and jitter until the coordinator answers), sends a heartbeat on an
 * interval, registers again when a heartbeat finds it unknown (the coordinator restarted, or
 * evicted it), and deregisters when it stops.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createCoordinatorApi, type CoordinatorApi } from '../client/api.ts';
import type { Logger } from '../logging/logger.ts';
import type { WorkerRegistration } from '../contract/models.ts';
import { problemOf, ProblemResponseError } from '../http/problems.ts';
import type { SigningKey } from '../signing/ed25519.ts';
import { CALL_PATHS, signWorkerCall } from '../signing/worker-call.ts';

export interface MembershipOptions {
  coordinatorUrl: string;
  registration: WorkerRegistration;
  logger: Logger;
  heartbeatIntervalMs: number;
  /** Presented to the coordinator as a bearer token. */
  registrationToken?: string | undefined;
  /**
   * The worker's key: the registration carries its public key, and every call is signed with
   * it, so that only this worker can move, refresh or remove its id.
   */
  key?: SigningKey | undefined;
  /** Back-off of registration retries. */
  retryInitialMs?: number;
  retryMaxMs?: number;
}

/** One call to the coordinator may take at most this long, so a hung coordinator cannot stall us. */
const CALL_TIMEOUT_MS = 5000;

export class Membership {
  readonly #client: CoordinatorApi;
  readonly #stopped = new AbortController();
  #heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: MembershipOptions) {
    this.#client = createCoordinatorApi({ baseUrl: options.coordinatorUrl, token: options.registrationToken });
  }

  /** Registers (retrying until it succeeds or `stop` is called), then starts the heartbeats. */
  async start(): Promise<void> {
    await this.#register();
    this.#scheduleHeartbeat();
  }

  /** Stops the heartbeats and deregisters; never throws, a coordinator that is gone is fine. */
  async stop(): Promise<void> {
    this.#stopped.abort();
    clearTimeout(this.#heartbeatTimer);
    const { id } = this.options.registration;
    try {
      const { response } = await this.#call(
        (signal) =>
          this.#client.DELETE('/workers/{id}', {
            params: { path: { id } },
            headers: this.#signed('DELETE', CALL_PATHS.deregister(id), undefined),
            signal,
          }),
        1000,
        false,
      );
      this.options.logger.info({ status: response.status }, 'deregistered from the coordinator');
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'could not deregister');
    }
  }

  async #register(): Promise<void> {
    const { logger, coordinatorUrl } = this.options;
    const { key } = this.options;
    const registration = key === undefined ? this.options.registration : { ...this.options.registration, public_key: key.publicKey.raw };
    let delayMs = this.options.retryInitialMs ?? 200;
    const maxDelayMs = this.options.retryMaxMs ?? 5000;
    for (let attempt = 1; ; attempt++) {
      this.#stopped.signal.throwIfAborted();
      try {
        const { data, error, response } = await this.#call((signal) =>
          this.#client.POST('/register', {
            body: registration,
            headers: this.#signed('POST', CALL_PATHS.register(), registration.endpoint),
            signal,
          }),
        );
        const { status } = response;
        if (data) {
          logger.info({ attempt, coordinator: coordinatorUrl, endpoint: registration.endpoint }, data.message);
          return;
        }
        const problem = problemOf(error, response);
        // The id is held from another address until that worker leaves or is evicted: wait it out.
        if (problem.code === 'WORKER_ID_TAKEN') {
          logger.warn({ attempt, retry_in_ms: delayMs, detail: problem.detail }, 'this id is registered from another address, retrying');
        } else if (status >= 400 && status < 500) {
          throw new ProblemResponseError(problem);
        } else {
          logger.warn({ attempt, status, retry_in_ms: delayMs }, 'registration refused, retrying');
        }
      } catch (error) {
        if (error instanceof ProblemResponseError || this.#stopped.signal.aborted) throw error;
        logger.warn(
          { attempt, coordinator: coordinatorUrl, err: (error as Error).message, retry_in_ms: delayMs },
          'coordinator unreachable, retrying',
        );
      }
      await sleep(delayMs * (0.75 + Math.random() / 2), undefined, { signal: this.#stopped.signal });
      delayMs = Math.min(maxDelayMs, delayMs * 2);
    }
  }

  #scheduleHeartbeat(): void {
    if (this.#stopped.signal.aborted) return;
    this.#heartbeatTimer = setTimeout(() => void this.#beat().finally(() => this.#scheduleHeartbeat()), this.options.heartbeatIntervalMs);
  }

  async #beat(): Promise<void> {
    const { id, endpoint } = this.options.registration;
    try {
      // Saying where we are lets the coordinator notice when someone else moved our id.
      const { error, response } = await this.#call((signal) =>
        this.#client.POST('/workers/{id}/heartbeat', {
          params: { path: { id } },
          body: { endpoint },
          headers: this.#signed('POST', CALL_PATHS.heartbeat(id), endpoint),
          signal,
        }),
      );
      const code = response.ok ? undefined : problemOf(error, response).code;
      if (response.status === 404) {
        this.options.logger.warn('the coordinator does not know this worker any more, registering again');
        await this.#register();
      } else if (code === 'ENDPOINT_MISMATCH') {
        this.options.logger.warn({ endpoint }, 'the coordinator has this id at another endpoint, registering again');
        await this.#register();
      } else if (!response.ok) {
        this.options.logger.warn({ status: response.status, code }, 'heartbeat refused');
      }
    } catch (error) {
      if (this.#stopped.signal.aborted) return;
      this.options.logger.warn({ err: (error as Error).message }, 'heartbeat failed');
    }
  }

  /** The signature headers of one call, signed now (each attempt anew: a retry is a new call); none without a key. */
  #signed(method: 'POST' | 'DELETE', path: string, endpoint: string | undefined): Record<string, string> {
    const { key, registration } = this.options;
    return key === undefined ? {} : signWorkerCall(key, { method, path, workerId: registration.id, endpoint });
  }

  /** Runs one call to the coordinator, aborted when it takes too long or (unless told otherwise) when the membership stops. */
  async #call<T>(send: (signal: AbortSignal) => Promise<T>, timeoutMs = CALL_TIMEOUT_MS, stopWithMembership = true): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
    const onStop = () => controller.abort(this.#stopped.signal.reason);
    if (stopWithMembership) this.#stopped.signal.addEventListener('abort', onStop, { once: true });
    try {
      return await send(controller.signal);
    } finally {
      clearTimeout(timer);
      this.#stopped.signal.removeEventListener('abort', onStop);
    }
  }
}
