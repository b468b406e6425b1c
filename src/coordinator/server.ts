/** Starts and stops a coordinator HTTP server; used by main.ts, the tests and the tools. */
import type { Server } from 'node:http';
import { createApiServer } from '../http/api-server.ts';
import { closeServer, listen } from '../http/server-lifecycle.ts';
import { serverLimitsOf } from '../http/server-limits.ts';
import type { Logger } from '../logging/logger.ts';
import { createCoordinatorApp } from './app.ts';
import { healthPolicyOf, type CoordinatorConfig } from './config.ts';
import { Coordinator } from './coordinator.ts';
import { createEndpointPolicy, createGuardedLookup, type Lookup } from '../net/endpoint-policy.ts';
import { CoordinatorMetrics } from './metrics.ts';
import type { WorkerStore } from './worker-store.ts';
import { openStores } from '../store/stores.ts';
import { createTaskClient } from './task-client.ts';
import { FeedEvents } from './feeds/feed-events.ts';
import { FeedMetrics } from './feeds/feed-metrics.ts';
import { FeedService } from './feeds/feed-service.ts';
import { generateSigningKey, type SigningKey } from '../signing/ed25519.ts';
import { configuredKey } from '../signing/key-file.ts';
import { WorkerAuthority } from './worker-auth.ts';

/** How often a running coordinator tells the store its key is still in use, and how long it is listed at least. */
const COORDINATOR_KEY_RENEWAL_MS = 60_000;
const COORDINATOR_KEY_MIN_RETENTION_MS = 24 * 3_600_000;

/** Most bytes waiting to be written to one event stream before its reader is dropped as too slow. */
const SSE_MAX_BUFFERED_BYTES = 1 << 20;

export interface CoordinatorServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly server: Server;
  readonly coordinator: Coordinator;
  /** The registry and what is learnt about each worker. */
  readonly workers: WorkerStore;
  readonly feeds: FeedService;
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
  const refusal = refusalToListen(config);
  if (refusal !== undefined) throw new InsecureConfigurationError(refusal);
  const signing = coordinatorKeyOf(config, logger);
  const stores = await openStores(
    {
      store: config.store,
      prefix: config.storePrefix,
      policy: healthPolicyOf(config),
      registryLimits: { capacity: config.maxWorkers, perAddress: config.maxWorkersPerAddress },
      history: { limit: config.historyLimit, maxAgeMs: config.historyMaxAgeMs },
      feedLeaseMs: config.feedLeaseMs,
      onRoundEvicted: (reason) => metrics.recordRoundEviction(reason),
    },
    logger,
  );
  const { workers, rounds } = stores;
  const renewKey = () => stores.keys.renewCoordinatorKey(signing.key.publicKey.raw, Date.now());
  await renewKey();
  const auth = new WorkerAuthority({
    keys: stores.keys,
    trusted: config.trustedWorkers,
    requireKeys: signing.requireSignatures,
    capacity: config.maxWorkers,
    // What this coordinator signed is served from the history, and a feed's last publication may be older.
    coordinatorKeyRetentionMs: Math.max(config.historyMaxAgeMs, COORDINATOR_KEY_MIN_RETENTION_MS),
  });
  const metrics = new CoordinatorMetrics(workers.view, () => rounds.size().catch(() => 0));
  const endpointPolicy = createEndpointPolicy(config.allowedWorkerNetworks);
  const taskClient = createTaskClient({
    maxAnswerBytes: config.maxAnswerBytes,
    lookup: createGuardedLookup(endpointPolicy, dependencies.resolve),
    taskToken: config.taskToken,
  });
  const coordinator = new Coordinator({
    workers,
    metrics,
    rounds,
    storeReady: () => stores.isReady(),
    sendTask: taskClient.sendTask,
    logger,
    defaultTimeoutMs: config.timeoutMs,
    workerTtlMs: config.workerTtlMs,
    defaultTrim: config.trim,
    maxFanOut: config.maxFanOut,
    defaultMadK: config.madK,
    signer: signing.key,
    requireSignatures: signing.requireSignatures,
  });
  const events = new FeedEvents({ heartbeatMs: config.sseHeartbeatMs, maxBufferedBytes: SSE_MAX_BUFFERED_BYTES, logger });
  const feeds: FeedService = new FeedService({
    store: stores.feeds,
    leases: stores.leases,
    bus: stores.bus,
    runRound: (submission) => coordinator.pollRound(submission),
    events,
    metrics: new FeedMetrics(
      metrics.registry,
      () => feeds.ages(),
      () => events.subscriberCount,
    ),
    logger,
    defaultTimeoutMs: config.timeoutMs,
  });
  warnIfOpen(config, logger);
  const app = createCoordinatorApp({
    coordinator,
    feeds,
    events,
    adminToken: config.adminToken,
    storeReady: () => stores.isReady(),
    metrics,
    endpointPolicy,
    registrationToken: config.registrationToken,
    auth,
    readToken: config.readToken,
    apiKey: config.apiKey,
    requestRateLimit: config.requestRateLimit,
    registerRateLimit: config.registerRateLimit,
    logger,
    bodyLimitBytes: config.bodyLimit,
    validateResponses: config.validateResponses,
  });
  const server = createApiServer(app, { logger, limits: serverLimitsOf(config) });
  const url = await listen(server, config.port, config.host);
  for (const { feed_id, ...definition } of config.feeds) await feeds.ensure(feed_id, definition);
  await feeds.start();
  const keyRenewal = setInterval(() => {
    renewKey().catch((error: unknown) =>
      logger.warn({ err: (error as Error).message }, 'could not renew the report signing key in the store'),
    );
  }, COORDINATOR_KEY_RENEWAL_MS);
  keyRenewal.unref();
  const sweeper = setInterval(() => {
    coordinator.evictStale().catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'could not sweep stale workers'));
  }, config.sweepIntervalMs);
  sweeper.unref();
  logger.info({ url }, 'coordinator listening');
  return {
    url,
    server,
    coordinator,
    workers,
    feeds,
    async close() {
      clearInterval(sweeper);
      clearInterval(keyRenewal);
      // Feeds stop polling (and give their leases to another coordinator) and their streams end
      // before the rounds in flight drain.
      await feeds.stop();
      await coordinator.drain(config.shutdownGraceMs);
      await closeServer(server, 1000);
      await stores.close();
      await taskClient.close();
    },
  };
}

/**
 * The key that signs the reports: the configured one, or one made for this run. Signatures are
 * required, unless told otherwise, exactly when a key is configured: that is a deployment that
 * means its reports to be checked.
 */
function coordinatorKeyOf(config: CoordinatorConfig, logger: Logger): { key: SigningKey; requireSignatures: boolean } {
  const configured = configuredKey({ privateKey: config.privateKey, keyFile: config.keyFile });
  const key = configured?.key ?? generateSigningKey();
  const requireSignatures = config.requireSignatures === 'on' || (config.requireSignatures === 'auto' && configured !== undefined);
  logger.info(
    {
      key_id: key.publicKey.keyId,
      from: configured?.from ?? 'made for this run',
      ...(configured?.created === true ? { created: true } : {}),
      require_signatures: requireSignatures,
    },
    'report signing key ready',
  );
  return { key, requireSignatures };
}

/** A configuration the coordinator refuses to run with; the message says why and how to opt in. */
export class InsecureConfigurationError extends Error {
  override name = 'InsecureConfigurationError';
}

/**
 * Why the coordinator will not listen as configured, or undefined. On a non-loopback interface
 * without a registration token, anyone who can reach it registers workers: enough fake ones take
 * over every committee, and they receive the task token.
 */
export function refusalToListen(
  config: Pick<CoordinatorConfig, 'host' | 'registrationToken' | 'insecureOpen' | 'trustedWorkers'>,
): string | undefined {
  // Pinned keys admit exactly the operator's workers, token or not.
  if (isLoopbackHost(config.host) || config.registrationToken !== undefined || config.trustedWorkers !== undefined || config.insecureOpen) {
    return undefined;
  }
  return (
    `refusing to listen on ${config.host} without a registration token: anyone who can reach it could register workers ` +
    'and take over the answers. Set ORACLE_REGISTRATION_TOKEN (or --registration-token), listen on 127.0.0.1, ' +
    'pin the workers with --trusted-workers, or pass --insecure-open to run open anyway.'
  );
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function warnIfOpen(config: CoordinatorConfig, logger: Logger): void {
  const open = [
    config.registrationToken === undefined
      ? 'anyone can register, heartbeat and deregister workers (no ORACLE_REGISTRATION_TOKEN)'
      : undefined,
    config.taskToken === undefined ? 'tasks go to workers unauthenticated (no ORACLE_TASK_TOKEN)' : undefined,
    config.apiKey === undefined ? 'anyone can submit requests (no ORACLE_API_KEY)' : undefined,
    config.adminToken === undefined ? 'anyone can create, replace and delete feeds (no ORACLE_ADMIN_TOKEN)' : undefined,
  ].filter((line) => line !== undefined);
  if (open.length > 0) logger.warn({ open }, 'running without some tokens: fine on a laptop, not on a network');
}
