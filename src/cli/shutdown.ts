/**
 * How every process stops, written once: the first SIGINT or SIGTERM (or another termination
 * signal) runs `close` and exits 0; an uncaught exception or unhandled rejection is logged and
 * does the same, exiting 1; a second signal while closing, or a close that overruns its grace,
 * exits 1 at once. close-with-grace does the bookkeeping.
 */
import closeWithGrace from 'close-with-grace';
import type { Logger } from '../logging/logger.ts';

export interface ShutdownOptions {
  logger: Logger;
  /** Longest `close` may take before the process is cut off. */
  graceMs: number;
  /** Stops servers, children, timers; called at most once. */
  close: () => Promise<void>;
  /**
   * Called, synchronously, when the process exits without finishing `close` (a second signal, or
   * a close that overran its grace): e.g. to kill child processes that would outlive it.
   */
  onForcedExit?: () => void;
}

export interface Shutdown {
  /**
   * Closes as a signal would, but exits with `exitCode`: a failure the process found itself.
   * Does nothing when the process is already stopping (the failure was the stop's doing).
   */
  fail(reason: string, exitCode?: number): Promise<void>;
}

/** Margin past the close's own grace for logging and flushing before the process is cut off. */
const OVERRUN_MS = 2_000;

export function handleShutdown(options: ShutdownOptions): Shutdown {
  const { logger } = options;
  let closing: Promise<void> | undefined;
  const closeOnce = () => (closing ??= options.close());
  const handler = closeWithGrace(
    {
      delay: options.graceMs + OVERRUN_MS,
      // An event loop that runs dry is a normal end, not a reason to close anything.
      skip: ['beforeExit'],
      logger: { error: (message: unknown) => logger.error(String(message)) },
      onSecondSignal: (signal) => {
        logger.warn({ signal }, 'second signal while shutting down, exiting now');
        options.onForcedExit?.();
      },
      onTimeout: (delay) => {
        logger.error({ delay_ms: delay }, 'shutdown overran its grace, exiting now');
        options.onForcedExit?.();
      },
    },
    async ({ signal, err }) => {
      if (err) logger.fatal({ err }, 'uncaught error, shutting down');
      else logger.info({ signal }, 'shutting down');
      await closeOnce();
      logger.info('stopped');
    },
  );
  return {
    async fail(reason, exitCode = 1) {
      if (closing) return;
      handler.uninstall();
      logger.error({ reason }, 'stopping');
      await closeOnce();
      process.exit(exitCode);
    },
  };
}
