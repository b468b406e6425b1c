import { runMain, UsageError } from '../cli/options.ts';
import { configuredKey, KeyFileError } from '../signing/key-file.ts';
import { handleShutdown } from '../cli/shutdown.ts';
import { createLogger } from '../logging/logger.ts';
import { coordinatorOptions } from './config.ts';
import { isMemoryStore } from '../store/stores.ts';
import { isCoordinatorProcess, runCoordinatorProcesses } from './processes.ts';
import { refusalToListen, startCoordinatorServer } from './server.ts';

await runMain(
  {
    usage: 'npm run start:coordinator -- [options]',
    summary: 'Starts the oracle coordinator: workers register with it, clients send it oracle requests.',
    options: coordinatorOptions,
  },
  async ({ values: config }) => {
    const logger = createLogger('coordinator', config.logLevel);
    const refusal = refusalToListen(config);
    if (refusal !== undefined) {
      process.stderr.write(`${refusal}\n`);
      process.exitCode = 2;
      return;
    }
    try {
      // Read (or create) the key once here, so that a key that will not do stops the start, not each process.
      configuredKey({ privateKey: config.privateKey, keyFile: config.keyFile });
    } catch (error) {
      if (error instanceof KeyFileError) throw new UsageError(error.message);
      throw error;
    }
    if (config.processes > 1) {
      if (isMemoryStore(config.store)) {
        process.stderr.write('--processes needs a shared store (--store redis://…): processes share no memory.\n');
        process.exitCode = 2;
        return;
      }
      if (!isCoordinatorProcess()) {
        runCoordinatorProcesses(config.processes, config.shutdownGraceMs + 5_000, logger);
        return;
      }
    }
    const coordinator = await startCoordinatorServer(config, logger);
    handleShutdown({
      logger,
      graceMs: config.shutdownGraceMs,
      close: async () => {
        logger.info({ grace_ms: config.shutdownGraceMs }, 'refusing new requests, draining those in flight');
        await coordinator.close();
      },
    });
  },
);
