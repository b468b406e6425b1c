import { runMain, UsageError } from '../cli/options.ts';
import { handleShutdown } from '../cli/shutdown.ts';
import { serverLimitsOf } from '../http/server-limits.ts';
import { createLogger } from '../logging/logger.ts';
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
    let observation;
    try {
      observation = observationOf(config, logger);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    const worker = await startWorkerServer(
      {
        ...observation,
        id: config.id,
        host: config.host,
        port: config.port,
        bodyLimitBytes: config.bodyLimit,
        shutdownGraceMs: config.shutdownGraceMs,
        taskToken: config.taskToken,
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
