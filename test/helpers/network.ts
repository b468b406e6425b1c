/** Real servers on port 0 over loopback, with response validation on, for the end-to-end tests. */
import { DEFAULT_COORDINATOR_CONFIG, type CoordinatorConfig } from '../../src/coordinator/config.ts';
import { startCoordinatorServer, type CoordinatorServer } from '../../src/coordinator/server.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { simulationFor, type SimulationSettings } from '../../src/worker/simulation.ts';
import { startWorkerServer, type WorkerServer } from '../../src/worker/server.ts';
import { coordinatorApi } from './clients.ts';

export const silentLogger = createLogger('test', 'silent');

export const HONEST: SimulationSettings = simulationFor('honest', { minDelayMs: 0, maxDelayMs: 5, failureRate: 0 });

export function startTestCoordinator(overrides: Partial<CoordinatorConfig> = {}): Promise<CoordinatorServer> {
  return startCoordinatorServer({ ...DEFAULT_COORDINATOR_CONFIG, port: 0, validateResponses: true, ...overrides }, silentLogger);
}

export function startTestWorker(id: string, simulation: Partial<SimulationSettings> = {}, seed = 1): Promise<WorkerServer> {
  return startWorkerServer(
    { id, host: '127.0.0.1', port: 0, seed, simulation: { ...HONEST, ...simulation }, validateResponses: true },
    silentLogger,
  );
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
