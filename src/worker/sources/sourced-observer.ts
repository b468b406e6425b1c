/**
 * Real sources as a worker's observer: every source is asked for the pair at once (through its
 * cache), and the answer is the median of those that answered, when at least `minSources` did.
 * Otherwise the task fails softly (a 200 with `err`) with each failing source's reason, e.g.
 * `no source answered (0 of 2): coinbase: HTTP 429 (retry after 30 s); kraken: no price at …`.
 *
 * The task's signal (the coordinator hung up, or its deadline passed) stops the task's wait at
 * once; the upstream calls it shares with other tasks run on within their own timeouts, and their
 * answers serve the next tasks. `close` (shutdown) aborts them.
 */
import { lookup as dnsLookup } from 'node:dns';
import type { Logger } from '../../logging/logger.ts';
import { createGuardedLookup, type Lookup } from '../../net/endpoint-policy.ts';
import { median } from '../../stats/quantiles.ts';
import type { Observation, PriceObserver } from '../observer.ts';
import type { SourcesConfiguration } from './definitions.ts';
import { clip } from './price.ts';
import type { Recorder } from './recorder.ts';
import { createRedactor } from './redact.ts';
import { SourceClient } from './source-client.ts';
import { createSourcePolicy } from './source-policy.ts';

export interface SourcedObserverOptions {
  configuration: SourcesConfiguration;
  /** Networks beyond the public internet that sources may live at (e.g. loopback for a test). */
  allowedNetworks: readonly string[];
  logger: Logger;
  /** `--record`: where every upstream observation goes; closed with the observer. */
  recorder?: Recorder | undefined;
  /** Resolves source hostnames; the system resolver unless a test pins one. */
  resolve?: Lookup;
  now?: () => number;
}

/**
 * Live sources price the present: a task whose `as_of` is further than this from now fails
 * (the lab prices past moments with simulated workers and a recorded truth instead).
 */
const LIVE_TOLERANCE_MS = 10_000;

/** WorkerResult's `err` is at most 2048 characters. */
const MAX_ERR_LENGTH = 2048;

export function createSourcedObserver(options: SourcedObserverOptions): PriceObserver {
  const { configuration, logger } = options;
  const now = options.now ?? Date.now;
  const policy = createSourcePolicy(options.allowedNetworks);
  const lookup = createGuardedLookup(policy, options.resolve ?? dnsLookup);
  const redact = createRedactor(configuration.sources.flatMap((source) => [...source.secrets.values()]));
  const { recorder } = options;
  const clients = configuration.sources.map((source) => new SourceClient(source, { policy, lookup, redact, logger, recorder, now }));
  logger.info(
    {
      sources: configuration.sources.map(({ name, preset, docs }) => ({ name, preset, docs })),
      min_sources: configuration.minSources,
      allowed_source_networks: options.allowedNetworks,
      recording: recorder !== undefined,
    },
    'answering from real price sources',
  );

  return {
    async observe(query, asOfMs, signal) {
      if (Math.abs(asOfMs - now()) > LIVE_TOLERANCE_MS) {
        return { err: `live sources price the present, not ${new Date(asOfMs).toISOString()}` };
      }
      const outcomes = await untilAborted(
        Promise.all(
          clients.map(async (client) => {
            const inverse = client.source.inverse.has(query);
            const outcome = await client.observe(inverse ? reversed(query) : query);
            return 'value' in outcome && inverse ? { value: 1 / outcome.value } : outcome;
          }),
        ),
        signal,
      );
      const values = outcomes.flatMap((outcome) => ('value' in outcome ? [outcome.value] : []));
      const failures = outcomes.flatMap((outcome) => ('err' in outcome ? [outcome.err] : []));
      logger.debug({ query, answered: values.length, asked: clients.length, failures }, 'sources asked');
      return observationOf(values, failures, configuration.minSources);
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await recorder?.close();
    },
  };
}

function observationOf(values: readonly number[], failures: readonly string[], minSources: number): Observation {
  const asked = values.length + failures.length;
  const value = median(values);
  if (value !== undefined && values.length >= minSources) return { value };
  const summary =
    values.length === 0 ? `no source answered (0 of ${asked})` : `${values.length} of ${asked} sources answered, ${minSources} needed`;
  return { err: clip(`${summary}: ${failures.join('; ')}`, MAX_ERR_LENGTH) };
}

/** USD/JPY for JPY/USD. */
function reversed(pair: string): string {
  const [base = '', quote = ''] = pair.split('/');
  return `${quote}/${base}`;
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts (the promise runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
