/**
 * Rounds in flight that identical requests may join instead of starting another fan-out, the
 * way Chainlink's external adapters coalesce requests. A round is cancelled only when every
 * client waiting for it has gone; one client hanging up leaves it running for the others.
 */
import { Cancellation } from '../dispatch.ts';

interface Shared<R> {
  readonly outcome: Promise<R>;
  readonly controller: AbortController;
  waiters: number;
}

export interface Joined<R> {
  /** False for the request that started the round. */
  readonly joined: boolean;
  readonly outcome: Promise<R>;
}

export class InFlightRounds<R> {
  readonly #byKey = new Map<string, Shared<R>>();

  get size(): number {
    return this.#byKey.size;
  }

  /**
   * Waits for the round in flight under `key`, or starts one with `start`, whose signal aborts
   * once every waiter's `clientSignal` has.
   */
  join(key: string, clientSignal: AbortSignal | undefined, start: (cancel: AbortSignal) => Promise<R>): Joined<R> {
    let shared = this.#byKey.get(key);
    const joined = shared !== undefined;
    if (shared === undefined) {
      const controller = new AbortController();
      const outcome = start(controller.signal).finally(() => {
        if (this.#byKey.get(key) === shared) this.#byKey.delete(key);
      });
      shared = { outcome, controller, waiters: 0 };
      this.#byKey.set(key, shared);
    }
    this.#wait(shared, clientSignal);
    return { joined, outcome: shared.outcome };
  }

  #wait(shared: Shared<R>, clientSignal: AbortSignal | undefined): void {
    shared.waiters++;
    if (clientSignal === undefined) return;
    const leave = () => {
      shared.waiters--;
      if (shared.waiters === 0) shared.controller.abort(new Cancellation('cancelled: every client waiting for this round left'));
    };
    if (clientSignal.aborted) {
      leave();
      return;
    }
    clientSignal.addEventListener('abort', leave, { once: true });
    const stopListening = () => clientSignal.removeEventListener('abort', leave);
    shared.outcome.then(stopListening, stopListening);
  }
}
