import { runMain } from '../cli/options.ts';
import { createLogger } from '../logging/logger.ts';
import { coordinatorOptions } from './config.ts';
import { startCoordinatorServer } from './server.ts';

await runMain(
  {
    usage: 'npm run start:coordinator -- [options]',
    summary: 'Starts the oracle coordinator: workers register with it, clients send it oracle requests.',
    options: coordinatorOptions,
  },
  async ({ values: config }) => {
    const logger = createLogger('coordinator', config.logLevel);
    const coordinator = await startCoordinatorServer(config, logger);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal, grace_ms: config.shutdownGraceMs }, 'shutting down: refusing new requests, draining those in flight');
      await coordinator.close();
      logger.info('stopped');
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  },
);
