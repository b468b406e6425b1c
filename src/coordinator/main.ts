import { runMain } from '../shared/cli.ts';
import { createLogger } from '../shared/logging.ts';
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
    const stop = async (signal: string) => {
      logger.info({ signal }, 'shutting down');
      await coordinator.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  },
);
