/**
 * The connections to one worker, as undici's Agent keeps them per origin: up to `connections`
 * undici Clients (a socket each), one task in flight on each, opened as tasks need them.
 *
 * It stands where undici's Pool would, without the Pool's own queue, a 2,048-slot array (16 KB)
 * that every Pool holds however idle: 16 MB of the coordinator's live heap with 1,000 workers,
 * which every full collection scanned (bench/README.md, change 7: 60 to 70 MiB less resident
 * after the load, and about 5 % less CPU per request, without it). A queue is rarely needed:
 * the task client admits at most `connections` tasks in flight per worker, so a task waits only
 * for a Client that has answered but is not free yet.
 *
 * Unlike the Pool, it hands tasks to its free Clients in turn, so that a connection a worker
 * needed now and then is not left to its keep-alive in between (see #free).
 *
 * Otherwise it does what the Pool does: a Client that reports itself busy (its `dispatch`
 * returned false) is free again at its 'drain', which undici emits a moment after the answer
 * (setImmediate); a task that finds every Client busy and no room for another waits in a plain
 * array, empty almost always, for the first 'drain'; a Client whose connection failed is
 * dropped, as it cannot be reused (nodejs/undici#3895); the Clients share one connector; and
 * their events reach the Agent, which counts connections with them and closes this dispatcher
 * once none is left.
 */
import { buildConnector, Client, Dispatcher, errors } from 'undici';

type ClientOptions = Client.Options & { connections?: number | null };

export class WorkerConnections extends Dispatcher {
  readonly #origin: string | URL;
  readonly #options: Client.Options;
  readonly #limit: number;
  readonly #clients: Client[] = [];
  /** Clients whose last `dispatch` returned false, until their 'drain'. */
  readonly #busy = new Set<Client>();
  readonly #waiting: Waiting[] = [];
  /** Where the search for a free Client starts (see #free). */
  #nextClient = 0;
  #needDrain = false;
  #closed = false;
  #destroyed = false;
  #whenEmpty: (() => void) | undefined;

  constructor(origin: string | URL, { connections, connect, connectTimeout, maxCachedSessions, ...options }: ClientOptions) {
    super();
    this.#origin = origin;
    // One connector for all of the worker's connections, as the Pool builds it: one TLS session
    // cache, instead of one per Client.
    const connector =
      typeof connect === 'function'
        ? connect
        : buildConnector({
            ...(maxCachedSessions === undefined ? {} : { maxCachedSessions }),
            ...(connectTimeout === undefined ? {} : { timeout: connectTimeout }),
            ...connect,
          });
    this.#options = { ...options, connect: connector };
    // 0 or none: no limit, as for the Pool.
    this.#limit = connections || Number.POSITIVE_INFINITY;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const client = this.#free() ?? (this.#clients.length < this.#limit ? this.#open() : undefined);
    if (client === undefined) {
      this.#waiting.push({ options, handler });
      this.#needDrain = true;
    } else if (!client.dispatch(options, handler)) {
      this.#busy.add(client);
      this.#needDrain = !this.#hasFree() && this.#clients.length >= this.#limit;
    }
    return !this.#needDrain;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | undefined {
    this.#closed = true;
    // Tasks still waiting for a connection are sent first, as the Pool does.
    const drained = this.#waiting.length === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#whenEmpty = resolve));
    const closed = drained.then(() => Promise.all(this.#clients.map((client) => client.close()))).then(() => undefined);
    if (callback === undefined) return closed;
    void closed.then(callback);
    return undefined;
  }

  override destroy(err?: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(first?: Error | null | (() => void), second?: () => void): Promise<void> | undefined {
    const err = typeof first === 'function' ? null : (first ?? null);
    const callback = typeof first === 'function' ? first : second;
    this.#closed = true;
    this.#destroyed = true;
    // Tasks still waiting fail at once, as the Pool fails its queue.
    const reason = err ?? new errors.ClientDestroyedError();
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the Agent hands dispatchers handlers in this form (undici 7)
    for (const { handler } of this.#waiting.splice(0)) handler.onError?.(reason);
    const destroyed = Promise.all(this.#clients.map((client) => client.destroy(err))).then(() => undefined);
    if (callback === undefined) return destroyed;
    void destroyed.then(callback);
    return undefined;
  }

  /**
   * The first free Client after the one last handed a task. Taking the first free one from the
   * start left a worker's second and third connections idle between the moments two or three of
   * its tasks overlapped, long enough for its keep-alive to close them, and the next overlap
   * opened them again: with committees of 10 out of 1,000 workers, 0.3 connections per request.
   * In turn, every connection a worker has needed stays in use while its tasks keep coming.
   */
  #free(): Client | undefined {
    const count = this.#clients.length;
    for (let step = 0; step < count; step++) {
      const index = (this.#nextClient + step) % count;
      const client = this.#clients[index] as Client;
      if (!this.#busy.has(client)) {
        this.#nextClient = index + 1;
        return client;
      }
    }
    return undefined;
  }

  #hasFree(): boolean {
    return this.#clients.some((client) => !this.#busy.has(client));
  }

  #open(): Client {
    const client = new Client(this.#origin, this.#options);
    client.on('drain', (origin) => {
      // A Client dropped after a failed connection drains too; it takes no more tasks.
      if (!this.#clients.includes(client)) return;
      this.#busy.delete(client);
      this.#feed(client, origin);
    });
    client.on('connect', (origin, targets) => this.#forward('connect', origin, targets));
    client.on('disconnect', (origin, targets, error) => this.#forward('disconnect', origin, targets, error));
    client.on('connectionError', (origin, targets, error) => {
      this.#drop(client);
      this.#forward('connectionError', origin, targets, error);
    });
    this.#clients.push(client);
    return client;
  }

  /** A Client is free: it takes the waiting tasks while it stays so. */
  #feed(client: Client, origin: string | URL): void {
    for (let next = this.#waiting.shift(); next !== undefined; next = this.#waiting.shift()) {
      if (!client.dispatch(next.options, next.handler)) {
        this.#busy.add(client);
        break;
      }
    }
    if (this.#waiting.length === 0) this.#whenEmpty?.();
    if (this.#needDrain && this.#waiting.length === 0 && !this.#busy.has(client)) {
      this.#needDrain = false;
      this.#forward('drain', origin, [client]);
    }
  }

  /** A Client's event as the Pool passes it on: with this dispatcher first among the targets. */
  #forward(
    event: 'drain' | 'connect' | 'disconnect' | 'connectionError',
    origin: string | URL,
    targets: readonly Dispatcher[],
    error?: Error,
  ): void {
    const emit = this.emit.bind(this) as (event: string, ...args: unknown[]) => boolean;
    if (error === undefined) emit(event, origin, [this, ...targets]);
    else emit(event, origin, [this, ...targets], error);
  }

  #drop(client: Client): void {
    const index = this.#clients.indexOf(client);
    if (index !== -1) this.#clients.splice(index, 1);
    this.#busy.delete(client);
    // Tasks waiting for a connection take the room it leaves.
    if (this.#waiting.length > 0) {
      queueMicrotask(() => {
        if (this.#waiting.length > 0 && !this.#destroyed && this.#clients.length < this.#limit) {
          const fresh = this.#open();
          this.#feed(fresh, this.#origin);
        }
      });
    }
  }
}

interface Waiting {
  readonly options: Dispatcher.DispatchOptions;
  readonly handler: Dispatcher.DispatchHandler;
}
