/** Starts and stops a worker HTTP server; used by main.ts, the tests and the tools. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { baseUrl, closeServer } from '../coordinator/server.ts';
import type { Logger } from '../shared/logging.ts';
import { createRandom, randomSeed } from '../shared/random.ts';
import { createWorkerApp } from './app.ts';
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
}

export interface WorkerServer {
  readonly url: string;
  readonly worker: Worker;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startWorkerServer(options: WorkerServerOptions, logger: Logger): Promise<WorkerServer> {
  const seed = options.seed ?? randomSeed();
  const worker = new Worker(options.id, options.simulation, createRandom(seed));
  const app = createWorkerApp({ worker, logger, bodyLimitBytes: options.bodyLimitBytes ?? 65536, validateResponses: options.validateResponses ?? false });
  const server = createServer(app);
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const url = baseUrl(server, options.host);
  logger.info({ url, seed }, 'worker listening');
  return { url, worker, server, close: () => closeServer(server) };
}
