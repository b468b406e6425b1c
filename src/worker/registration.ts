/**
 * A worker registers itself with its coordinator at start-up, retrying with capped exponential
 * back-off (and jitter, so a fleet restarting together does not retry in lockstep) until the
 * coordinator accepts it. A 4xx means the registration itself is wrong, so retrying is pointless.
 */
import createClient from 'openapi-fetch';
import { setTimeout as sleep } from 'node:timers/promises';
import type { paths as CoordinatorPaths } from '../../generated/coordinator.ts';
import type { Logger } from '../shared/logging.ts';
import type { WorkerRegistration } from '../shared/models.ts';
import { ProblemResponseError } from '../shared/problems.ts';

export interface RegistrationOptions {
  coordinatorUrl: string;
  registration: WorkerRegistration;
  logger: Logger;
  signal?: AbortSignal;
  initialDelayMs?: number;
  maxDelayMs?: number;
  fetch?: typeof globalThis.fetch;
}

export async function registerWithCoordinator(options: RegistrationOptions): Promise<void> {
  const client = createClient<CoordinatorPaths>({ baseUrl: options.coordinatorUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const { registration, logger } = options;
  let delayMs = options.initialDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 5000;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      const { data, error, response } = await client.POST('/register', { body: registration, signal: options.signal });
      const { status } = response;
      if (data) {
        logger.info({ attempt, coordinator: options.coordinatorUrl, endpoint: registration.endpoint }, data.message);
        return;
      }
      if (status >= 400 && status < 500) {
        throw new ProblemResponseError(error ?? { type: 'about:blank', title: `HTTP ${status}`, status });
      }
      logger.warn({ attempt, status, retry_in_ms: delayMs }, 'registration refused, retrying');
    } catch (error) {
      if (error instanceof ProblemResponseError || options.signal?.aborted) throw error;
      logger.warn({ attempt, coordinator: options.coordinatorUrl, err: (error as Error).message, retry_in_ms: delayMs }, 'coordinator unreachable, retrying');
    }
    await sleep(delayMs * (0.75 + Math.random() / 2), undefined, options.signal ? { signal: options.signal } : undefined);
    delayMs = Math.min(maxDelayMs, delayMs * 2);
  }
}
