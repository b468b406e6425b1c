/** Sourced workers for tests: source files written inline, fixtures on loopback allowed explicitly. */
import type { Logger } from '../../src/logging/logger.ts';
import type { Lookup } from '../../src/net/endpoint-policy.ts';
import { parseSourcesFile, type SourcesConfiguration } from '../../src/worker/sources/definitions.ts';
import type { Recorder } from '../../src/worker/sources/recorder.ts';
import { createSourcedObserver } from '../../src/worker/sources/sourced-observer.ts';
import { createSourcePolicy } from '../../src/worker/sources/source-policy.ts';
import type { PriceObserver } from '../../src/worker/observer.ts';
import { startWorkerServer, type WorkerServer } from '../../src/worker/server.ts';
import { silentLogger } from './network.ts';

/** Sources may not live on loopback by default; the fixtures do, so the tests say so. */
export const LOOPBACK = ['127.0.0.0/8'];

/** A sources file's text, checked as the worker checks it at start-up (with loopback allowed). */
export function sourcesFrom(text: string, env: NodeJS.ProcessEnv = {}): SourcesConfiguration {
  return parseSourcesFile(text, 'sources.yaml', env, createSourcePolicy(LOOPBACK));
}

export interface ObserverOptions {
  logger?: Logger;
  now?: () => number;
  resolve?: Lookup;
  recorder?: Recorder;
  allowedNetworks?: readonly string[];
}

export function observerOf(configuration: SourcesConfiguration, options: ObserverOptions = {}): PriceObserver {
  return createSourcedObserver({
    configuration,
    allowedNetworks: options.allowedNetworks ?? LOOPBACK,
    logger: options.logger ?? silentLogger,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    recorder: options.recorder,
  });
}

export function startSourcedWorker(id: string, configuration: SourcesConfiguration, options: ObserverOptions = {}): Promise<WorkerServer> {
  return startWorkerServer(
    { id, host: '127.0.0.1', port: 0, observer: observerOf(configuration, options), validateResponses: true },
    options.logger ?? silentLogger,
  );
}
