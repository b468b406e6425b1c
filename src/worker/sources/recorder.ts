/**
 * `--record`: appends every upstream observation to a file (format: src/market/recording.ts),
 * so that the lab can replay real price paths. Writing is best effort: a full disk is logged
 * once and the worker goes on answering.
 */
import { createWriteStream, openSync } from 'node:fs';
import type { Logger } from '../../logging/logger.ts';
import { formatObservation, type RecordedObservation } from '../../market/recording.ts';

export interface Recorder {
  record(observation: RecordedObservation): void;
  /** Flushes what is buffered and closes the file. */
  close(): Promise<void>;
}

/** Opens (or creates) the file at once, so that a path that cannot be written stops the start-up. */
export function openRecorder(path: string, logger: Logger): Recorder {
  const stream = createWriteStream(path, { fd: openSync(path, 'a') });
  let failed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (!failed) logger.error({ path, code: error.code }, 'cannot write the recording; observations are no longer recorded');
    failed = true;
  });
  return {
    record(observation) {
      if (!failed) stream.write(formatObservation(observation));
    },
    close: () =>
      new Promise((resolve) => {
        if (failed || stream.closed) resolve();
        else stream.end(resolve);
      }),
  };
}
