/** Starts and stops a coordinator HTTP server; used by main.ts, the tests and the tools. */
import type { Server } from 'node:http';
import { createApiServer } from '../http/api-server.ts';
import { closeServer, listen } from '../http/server-lifecycle.ts';
import { serverLimitsOf } from '../http/server-limits.ts';
import type { Logger } from '../logging/logger.ts';
import { createCoordinatorApp } from './app.ts';
import { healthPolicyOf, type CoordinatorConfig } from './config.ts';
import { Coordinator } from './coordinator.ts';
import { createEndpointPolicy, createGuardedLookup, type Lookup } from './endpoint-policy.ts';
import { CoordinatorMetrics } from './metrics.ts';
import { Registry } from './registry.ts';
import { createTaskClient } from './task-client.ts';

export interface CoordinatorServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly server: Server;
  readonly coordinator: Coordinator;
  readonly registry: Registry;
  /** Drains requests in flight (up to the configured grace), then closes every connection. */
  close(): Promise<void>;
}

export interface CoordinatorServerDependencies {
  /** Resolves worker hostnames; the system resolver unless a test pins one. */
  resolve?: Lookup;
}

export async function startCoordinatorServer(
  config: CoordinatorConfig,
  logger: Logger,
  dependencies: CoordinatorServerDependencies = {},
): Promise<CoordinatorServer> {
  const registry = new Registry(healthPolicyOf(config), Date.now, config.maxWorkers);
  const metrics = new CoordinatorMetrics(registry);
  const endpointPolicy = createEndpointPolicy(config.allowedWorkerNetworks);
  const taskClient = createTaskClient({
    maxAnswerBytes: config.maxAnswerBytes,
    lookup: createGuardedLookup(endpointPolicy, dependencies.resolve),
    taskToken: config.taskToken,
  });
  const coordinator = new Coordinator({
    registry,
    metrics,
    sendTask: taskClient.sendTask,
    logger,
    defaultTimeoutMs: config.timeoutMs,
    workerTtlMs: config.workerTtlMs,
    defaultTrim: config.trim,
    maxFanOut: config.maxFanOut,
    defaultMadK: config.madK,
  });
  warnIfOpen(config, logger);
  const app = createCoordinatorApp({
    coordinator,
    metrics,
    endpointPolicy,
    registrationToken: config.registrationToken,
    apiKey: config.apiKey,
    requestRateLimit: config.requestRateLimit,
    registerRateLimit: config.registerRateLimit,
    logger,
    bodyLimitBytes: config.bodyLimit,
    validateResponses: config.validateResponses,
  });
  const server = createApiServer(app, { logger, limits: serverLimitsOf(config) });
  const url = await listen(server, config.port, config.host);
  const sweeper = setInterval(() => coordinator.evictStale(), config.sweepIntervalMs);
  sweeper.unref();
  logger.info({ url }, 'coordinator listening');
  return {
    url,
    server,
    coordinator,
    registry,
    async close() {
      clearInterval(sweeper);
      await coordinator.drain(config.shutdownGraceMs);
      await closeServer(server, 1000);
      await taskClient.close();
    },
  };
}

function warnIfOpen(config: CoordinatorConfig, logger: Logger): void {
  const open = [
    config.registrationToken === undefined
      ? 'anyone can register, heartbeat and deregister workers (no ORACLE_REGISTRATION_TOKEN)'
      : undefined,
    config.taskToken === undefined ? 'tasks go to workers unauthenticated (no ORACLE_TASK_TOKEN)' : undefined,
    config.apiKey === undefined ? 'anyone can submit requests (no ORACLE_API_KEY)' : undefined,
  ].filter((line) => line !== undefined);
  if (open.length > 0) logger.warn({ open }, 'running without some tokens: fine on a laptop, not on a network');
}
