/**
 * One source at run time: its connection pool (bodies capped, names resolved through the
 * endpoint policy), its gate (back-off and rate limit), its cache of outcomes per pair, and the
 * recording of what it observed. `observe` never rejects: a failure is an outcome whose `err`
 * starts with the source's name and carries no secret.
 */
import { Agent } from 'undici';
import type { Logger } from '../../logging/logger.ts';
import type { EndpointPolicy, Lookup } from '../../net/endpoint-policy.ts';
import { createOutcomeCache, type Outcome, type OutcomeCache } from './cache.ts';
import type { SourceDefinition } from './definitions.ts';
import { buildCall, fetchPrice, pricePathFor } from './fetch-source.ts';
import type { Recorder } from './recorder.ts';
import type { Redact } from './redact.ts';
import { SourceGate } from './source-gate.ts';
import { SourceError } from './source-error.ts';

export interface SourceClientOptions {
  policy: EndpointPolicy;
  /** The endpoint policy's guarded lookup. */
  lookup: Lookup;
  redact: Redact;
  logger: Logger;
  recorder?: Recorder | undefined;
  now?: () => number;
}

/** Connections kept to one provider: calls are few (one per pair per interval), and a provider limits them too. */
const CONNECTIONS_PER_SOURCE = 4;

export class SourceClient {
  readonly #agent: Agent;
  readonly #gate: SourceGate;
  readonly #cache: OutcomeCache;
  readonly #now: () => number;
  /** An IP literal the policy refuses; a hostname is checked each time it is resolved, on connect. */
  readonly #refusedHost: string | undefined;

  constructor(
    readonly source: SourceDefinition,
    private readonly options: SourceClientOptions,
  ) {
    this.#now = options.now ?? Date.now;
    const origin = /^https?:\/\/[^/?#]*/.exec(source.url)?.[0] ?? source.url;
    this.#refusedHost = options.policy.refuseEndpoint(origin);
    this.#agent = new Agent({
      connections: CONNECTIONS_PER_SOURCE,
      keepAliveTimeout: 30_000,
      // Safety nets under the call's own timeout, which ends it first.
      headersTimeout: source.timeoutMs + 1000,
      bodyTimeout: source.timeoutMs + 1000,
      maxResponseSize: source.maxBodyBytes,
      connect: { lookup: options.lookup },
    });
    this.#gate = new SourceGate(source.maxCallsPerMinute, this.#now);
    this.#cache = createOutcomeCache({ ttlMs: source.intervalMs, now: this.#now, load: (pair, signal) => this.#call(pair, signal) });
  }

  /** The source's price of `pair` (× times), from the cache, the call in flight, or a new call. */
  async observe(pair: string): Promise<Outcome> {
    const outcome = await this.#cache.get(pair);
    return 'err' in outcome ? { err: `${this.source.name}: ${outcome.err}` } : outcome;
  }

  /** Aborts the calls in flight and closes the connections. */
  async close(): Promise<void> {
    this.#cache.clear();
    await this.#agent.close();
  }

  async #call(pair: string, signal: AbortSignal): Promise<Outcome> {
    const { source } = this;
    const { logger, redact } = this.options;
    try {
      // First what the source cannot do at all, so that such a pair neither waits for a back-off nor spends the rate limit.
      const call = buildCall(source, pair);
      if (this.#refusedHost !== undefined) throw new SourceError(`refused: ${this.#refusedHost}`);
      const closed = this.#gate.admit();
      if (closed !== undefined) throw new SourceError(closed);
      const value = await fetchPrice(source, call, pricePathFor(source, pair), this.#agent, signal, this.#now);
      this.options.recorder?.record({ atMs: this.#now(), source: source.name, query: pair, value });
      logger.debug({ source: source.name, query: pair, value }, 'source answered');
      return { value };
    } catch (error) {
      const failure = error instanceof SourceError ? error : new SourceError(`failed: ${String(error)}`);
      if (failure.retry !== undefined) this.#gate.backOff(failure.retry.afterMs, `HTTP ${failure.retry.status}`);
      const err = redact(failure.message);
      // Once per upstream call, not once per task: the outcome is cached for the interval.
      logger.warn({ source: source.name, query: pair, err }, 'source failed');
      return { err };
    }
  }
}
