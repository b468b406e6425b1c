/** Starts and stops a coordinator HTTP server; used by main.ts, the tests and the tools. */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Logger } from '../shared/logging.ts';
import { createCoordinatorApp } from './app.ts';
import type { CoordinatorConfig } from './config.ts';
import { Coordinator } from './coordinator.ts';
import { Registry } from './registry.ts';
import { createTaskClient } from './task-client.ts';

export interface CoordinatorServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly server: Server;
  readonly coordinator: Coordinator;
  readonly registry: Registry;
  close(): Promise<void>;
}

export async function startCoordinatorServer(config: CoordinatorConfig, logger: Logger): Promise<CoordinatorServer> {
  const registry = new Registry();
  const taskClient = createTaskClient();
  const coordinator = new Coordinator({
    registry,
    sendTask: taskClient.sendTask,
    logger,
    defaultTimeoutMs: config.timeoutMs,
    majorityTolerance: config.majorityTolerance,
  });
  const app = createCoordinatorApp({ coordinator, logger, bodyLimitBytes: config.bodyLimit, validateResponses: config.validateResponses });
  const server = createServer(app);
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const url = baseUrl(server, config.host);
  logger.info({ url }, 'coordinator listening');
  return {
    url,
    server,
    coordinator,
    registry,
    async close() {
      await closeServer(server);
      await taskClient.close();
    },
  };
}

export function baseUrl(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/** Stops accepting, lets idle keep-alive sockets go at once, and cuts the rest. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  server.closeAllConnections();
  await closed;
}
