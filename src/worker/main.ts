import { runMain } from '../shared/cli.ts';
import { createLogger } from '../shared/logging.ts';
import { workerOptions } from './config.ts';
import { registerWithCoordinator } from './registration.ts';
import { startWorkerServer } from './server.ts';

await runMain(
  {
    usage: 'npm run start:worker -- --id worker-1 --port 8081 [options]',
    summary: 'Starts a simulated oracle worker that registers itself with the coordinator and answers POST /task.',
    options: workerOptions,
  },
  async ({ values: config }) => {
    const logger = createLogger(config.id, config.logLevel);
    const worker = await startWorkerServer(
      {
        id: config.id,
        host: config.host,
        port: config.port,
        seed: config.seed,
        bodyLimitBytes: config.bodyLimit,
        simulation: config,
      },
      logger,
    );
    const stopping = new AbortController();
    const stop = async (signal: string) => {
      logger.info({ signal }, 'shutting down');
      stopping.abort();
      await worker.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    try {
      await registerWithCoordinator({
        coordinatorUrl: config.coordinator,
        registration: { id: config.id, endpoint: config.endpoint ?? worker.url },
        logger,
        signal: stopping.signal,
      });
    } catch (error) {
      if (stopping.signal.aborted) return;
      logger.fatal({ err: (error as Error).message }, 'registration rejected');
      await worker.close();
      process.exitCode = 1;
    }
  },
);
