/**
 * What several coordinators sharing one store need to run feeds together: a lease, so that
 * each feed is polled by exactly one of them at a time, and a bus, so that every publication
 * and every change of definition reaches all of them (and their event streams). A lone
 * coordinator holds every lease and hears only itself: the in-memory versions below.
 */
import type { Publication } from './feed-store.ts';

export interface FeedLeases {
  /** How long a lease lasts unless renewed: a dead holder's feeds move on within it. */
  readonly ttlMs: number;
  /** Takes the feed's lease, or renews it when this coordinator holds it; false while another does. */
  hold(feedId: string): Promise<boolean>;
  /** Gives the lease up (this coordinator stops polling the feed, or shuts down). */
  release(feedId: string): Promise<void>;
}

export type FeedChange = { readonly kind: 'defined' | 'deleted'; readonly feedId: string };

export interface FeedBusListener {
  onPublication(publication: Publication): void;
  onChange(change: FeedChange): void;
}

export interface FeedBus {
  /** Tells every coordinator, this one included. */
  publish(publication: Publication): Promise<void>;
  announce(change: FeedChange): Promise<void>;
  listen(listener: FeedBusListener): void;
}

export class LocalFeedLeases implements FeedLeases {
  readonly ttlMs = Number.POSITIVE_INFINITY;

  hold(): Promise<boolean> {
    return Promise.resolve(true);
  }

  release(): Promise<void> {
    return Promise.resolve();
  }
}

export class LocalFeedBus implements FeedBus {
  readonly #listeners: FeedBusListener[] = [];

  publish(publication: Publication): Promise<void> {
    for (const listener of this.#listeners) listener.onPublication(publication);
    return Promise.resolve();
  }

  announce(change: FeedChange): Promise<void> {
    for (const listener of this.#listeners) listener.onChange(change);
    return Promise.resolve();
  }

  listen(listener: FeedBusListener): void {
    this.#listeners.push(listener);
  }
}
