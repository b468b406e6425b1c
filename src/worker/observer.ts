/**
 * What a worker observes for one task, whatever it observes: the simulation (simulated-observer.ts)
 * or real price APIs (sources/sourced-observer.ts). processTask turns it into a WorkerResult.
 */

/** A value, or a soft failure: a 200 WorkerResult whose `err` says why there is no value. */
export type Observation = { readonly value: number } | { readonly err: string };

export interface PriceObserver {
  /**
   * The price of `query` at `asOfMs` (epoch ms). Throws a ProblemError for a hard failure (the
   * worker answers with that problem), and rejects with the signal's reason once `signal` aborts
   * (the coordinator hung up).
   */
  observe(query: string, asOfMs: number, signal: AbortSignal): Promise<Observation>;
  /** The worker is shutting down: stop what is in flight, let go of connections and files. */
  close?(): Promise<void>;
}
