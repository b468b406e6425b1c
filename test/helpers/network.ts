/** Real servers on port 0 over loopback, with response validation on, for the end-to-end tests. */
import { afterAll, beforeAll } from 'vitest';
import { DEFAULT_COORDINATOR_CONFIG, type CoordinatorConfig } from '../../src/coordinator/config.ts';
import { startCoordinatorServer, type CoordinatorServer } from '../../src/coordinator/server.ts';
import type { ServerLimits } from '../../src/http/server-limits.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { simulationFor, type SimulationSettings } from '../../src/worker/simulation.ts';
import { startWorkerServer, type WorkerServer } from '../../src/worker/server.ts';
import { coordinatorApi } from './clients.ts';

export const silentLogger = createLogger('test', 'silent');

export const HONEST: SimulationSettings = simulationFor('honest', { minDelayMs: 0, maxDelayMs: 5, failureRate: 0 });

export function startTestCoordinator(overrides: Partial<CoordinatorConfig> = {}): Promise<CoordinatorServer> {
  return startCoordinatorServer({ ...DEFAULT_COORDINATOR_CONFIG, port: 0, validateResponses: true, ...overrides }, silentLogger);
}

export function startTestWorker(
  id: string,
  simulation: Partial<SimulationSettings> = {},
  seed = 1,
  serverLimits: Partial<ServerLimits> = {},
): Promise<WorkerServer> {
  return startWorkerServer(
    { id, host: '127.0.0.1', port: 0, seed, simulation: { ...HONEST, ...simulation }, validateResponses: true, serverLimits },
    silentLogger,
  );
}

export interface RunningServices {
  readonly coordinator: CoordinatorServer;
  readonly worker: WorkerServer;
  /** The base URL of one of them. */
  urlOf(service: 'coordinator' | 'worker'): string;
}

/**
 * A test coordinator and a test worker ("worker-1", not registered) for the tests of one file:
 * started before they run, closed after them. Read the servers inside the tests.
 */
export function useTestServices(coordinatorOverrides: Partial<CoordinatorConfig> = {}): RunningServices {
  let coordinator: CoordinatorServer | undefined;
  let worker: WorkerServer | undefined;
  const running = <T>(server: T | undefined): T => {
    if (server === undefined) throw new Error('the test services are not running: use them inside a test');
    return server;
  };
  beforeAll(async () => {
    [coordinator, worker] = await Promise.all([startTestCoordinator(coordinatorOverrides), startTestWorker('worker-1')]);
  });
  afterAll(async () => {
    await Promise.all([coordinator?.close(), worker?.close()]);
  });
  return {
    get coordinator() {
      return running(coordinator);
    },
    get worker() {
      return running(worker);
    },
    urlOf: (service) => running(service === 'coordinator' ? coordinator : worker).url,
  };
}

export async function register(coordinatorUrl: string, id: string, endpoint: string): Promise<void> {
  const { error, response } = await coordinatorApi(coordinatorUrl).POST('/register', { body: { id, endpoint } });
  if (response.status !== 200) throw new Error(`registration of ${id} failed: ${JSON.stringify(error)}`);
}

/** Closes everything a test started, even when the test failed half-way. */
export class Cleanup {
  readonly #closers: (() => Promise<unknown>)[] = [];

  add<T extends { close(): Promise<unknown> }>(resource: T): T {
    this.#closers.push(() => resource.close());
    return resource;
  }

  /** Runs `undo` with the rest, e.g. to stop a timer the test started. */
  defer(undo: () => void): void {
    this.#closers.push(() => Promise.resolve().then(undo));
  }

  async run(): Promise<void> {
    await Promise.allSettled(
      this.#closers
        .splice(0)
        .reverse()
        .map((close) => close()),
    );
  }
}
