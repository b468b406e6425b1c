/** Starts and stops a worker HTTP server; used by main.ts, the tests and the tools. */
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApiServer } from '../http/api-server.ts';
import { closeServer, listen } from '../http/server-lifecycle.ts';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../http/server-limits.ts';
import type { Logger } from '../logging/logger.ts';
import { randomSeed } from '../market/random.ts';
import { generateSigningKey, type SigningKey } from '../signing/ed25519.ts';
import { createWorkerApp, type TaskLifecycle } from './app.ts';
import type { SimulationSettings } from './simulation.ts';
import { Worker } from './worker.ts';

export interface WorkerServerOptions {
  id: string;
  host: string;
  port: number;
  simulation: SimulationSettings;
  seed?: number;
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
}

export interface WorkerServer {
  readonly url: string;
  readonly worker: Worker;
  readonly key: SigningKey;
  readonly server: Server;
  /** Refuses new tasks, lets those in flight finish within the grace period, then closes. */
  close(): Promise<void>;
}

export async function startWorkerServer(options: WorkerServerOptions, logger: Logger): Promise<WorkerServer> {
  const seed = options.seed ?? randomSeed();
  const worker = new Worker(options.id, options.simulation, seed);
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
  const url = await listen(server, options.port, options.host);
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
      await closeServer(server);
    },
  };
}
