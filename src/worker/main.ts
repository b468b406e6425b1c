import { runMain, UsageError } from '../cli/options.ts';
import { handleShutdown } from '../cli/shutdown.ts';
import { serverLimitsOf } from '../http/server-limits.ts';
import { createLogger } from '../logging/logger.ts';
import { configuredKey, defaultWorkerKeyFile, KeyFileError, type ConfiguredKey } from '../signing/key-file.ts';
import { observationOf, workerOptions } from './config.ts';
import { Membership } from './membership.ts';
import { startWorkerServer } from './server.ts';

await runMain(
  {
    usage: 'npm run start:worker -- --id worker-1 --port 8081 [options]',
    summary:
      'Starts an oracle worker, simulated or reading real price sources (--sources), that registers itself with the coordinator, sends heartbeats and answers POST /task.',
    options: workerOptions,
  },
  async ({ values: config }) => {
    const logger = createLogger(config.id, config.logLevel);
    // A bad sources file or key file is a UsageError, which runMain reports with exit code 2.
    const observation = observationOf(config, logger);
    let signing: ConfiguredKey;
    try {
      signing = configuredKey({
        privateKey: config.privateKey,
        keyFile: config.keyFile ?? defaultWorkerKeyFile(config.id),
      }) as ConfiguredKey;
    } catch (error) {
      if (error instanceof KeyFileError) throw new UsageError(error.message);
      throw error;
    }
    logger.info({ key_id: signing.key.publicKey.keyId, from: signing.from, created: signing.created }, 'signing key ready');
    const worker = await startWorkerServer(
      {
        ...observation,
        id: config.id,
        host: config.host,
        port: config.port,
        bodyLimitBytes: config.bodyLimit,
        shutdownGraceMs: config.shutdownGraceMs,
        taskToken: config.taskToken,
        key: signing.key,
        serverLimits: serverLimitsOf(config),
      },
      logger,
    );
    const membership = new Membership({
      coordinatorUrl: config.coordinator,
      registration: { id: config.id, endpoint: config.endpoint ?? worker.url },
      logger,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      registrationToken: config.registrationToken,
      key: signing.key,
    });
    const shutdown = handleShutdown({
      logger,
      graceMs: config.shutdownGraceMs,
      close: async () => {
        logger.info('deregistering, then finishing tasks in flight');
        await membership.stop();
        await worker.close();
      },
    });
    try {
      await membership.start();
    } catch (error) {
      await shutdown.fail(`registration rejected: ${(error as Error).message}`);
    }
  },
);
