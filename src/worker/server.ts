/** Starts and stops a worker HTTP server; used by main.ts, the tests and the tools. */
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApiServer } from '../http/api-server.ts';
import { closeServer, listen } from '../http/server-lifecycle.ts';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../http/server-limits.ts';
import type { Logger } from '../logging/logger.ts';
import { randomSeed } from '../market/random.ts';
import { generateSigningKey, type SigningKey } from '../signing/ed25519.ts';
import type { Truth } from '../market/truth.ts';
import { createWorkerApp, type TaskLifecycle } from './app.ts';
import type { PriceObserver } from './observer.ts';
import { SimulatedObserver } from './simulated-observer.ts';
import type { SimulationSettings } from './simulation.ts';
import { Worker } from './worker.ts';

/** A worker is either simulated (with a seed, and optionally another truth than the synthetic market) or reads real sources. */
export type WorkerObservation =
  | { simulation: SimulationSettings; seed?: number; truth?: Truth; observer?: never }
  | {
      /** Real sources; the server owns it from now on and closes it with itself. */
      observer: PriceObserver;
      simulation?: never;
      seed?: never;
      truth?: never;
    };

export type WorkerServerOptions = WorkerObservation & {
  id: string;
  host: string;
  port: number;
  bodyLimitBytes?: number;
  validateResponses?: boolean;
  /** How long tasks in flight may finish when the server closes. */
  shutdownGraceMs?: number;
  /** Required of the coordinator on POST /task when set. */
  taskToken?: string | undefined;
  /** Signs the answers; a fresh key, kept in memory only, when unset. */
  key?: SigningKey;
  /** Timeouts and the connection cap; DEFAULT_SERVER_LIMITS for what is not set. */
  serverLimits?: Partial<ServerLimits>;
};

export interface WorkerServer {
  readonly url: string;
  readonly worker: Worker;
  readonly key: SigningKey;
  readonly server: Server;
  /** Refuses new tasks, lets those in flight finish within the grace period, then closes. */
  close(): Promise<void>;
}

export async function startWorkerServer(options: WorkerServerOptions, logger: Logger): Promise<WorkerServer> {
  const { observer, seed } = observerOf(options);
  const worker = new Worker(options.id, observer);
  const lifecycle: TaskLifecycle = { draining: false, inFlight: 0 };
  const key = options.key ?? generateSigningKey();
  if (options.taskToken === undefined) logger.warn('running without ORACLE_TASK_TOKEN: anyone who can reach this worker can send it tasks');
  const app = createWorkerApp({
    worker,
    key,
    lifecycle,
    taskToken: options.taskToken,
    logger,
    bodyLimitBytes: options.bodyLimitBytes ?? 65536,
    validateResponses: options.validateResponses ?? false,
  });
  const server = createApiServer(app, { logger, limits: { ...DEFAULT_SERVER_LIMITS, ...options.serverLimits } });
  let url: string;
  try {
    url = await listen(server, options.port, options.host);
  } catch (error) {
    await worker.close();
    throw error;
  }
  logger.info({ url, seed, key_id: key.publicKey.keyId }, 'worker listening');
  return {
    url,
    worker,
    key,
    server,
    async close() {
      // Keep listening while draining, so probes see /readyz fail and late tasks get a 503.
      lifecycle.draining = true;
      const deadline = Date.now() + (options.shutdownGraceMs ?? 0);
      while (lifecycle.inFlight > 0 && Date.now() < deadline) await sleep(10);
      // What is still in flight past the grace stops now: its upstream calls are aborted.
      await worker.close();
      await closeServer(server);
    },
  };
}

/** The observer to use; a simulated worker's seed is logged, so that its run can be replayed. */
function observerOf(options: WorkerObservation): { observer: PriceObserver; seed?: number } {
  if (options.observer !== undefined) return { observer: options.observer };
  const seed = options.seed ?? randomSeed();
  return { observer: new SimulatedObserver(options.simulation, seed, options.truth), seed };
}
