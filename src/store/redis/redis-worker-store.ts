/**
 * The registry and the workers' health in Redis, shared by every coordinator that uses the
 * same Redis and prefix. Writes are the atomic scripts of worker-scripts.ts; requests read the
 * local view (a Registry), which follows the changes every script publishes, so choosing the
 * workers of a request never waits on Redis. What one request teaches is one script call for
 * all of its workers, and reaches the other coordinators with the message it publishes. The
 * view reloads everything when the subscription comes back after an outage (messages sent
 * meanwhile are lost) and every RESYNC_MS, as a safety net.
 */
import type { Redis } from 'ioredis';
import type { WorkerInfo } from '../../contract/models.ts';
import type { Logger } from '../../logging/logger.ts';
import {
  AddressLimitError,
  EndpointMismatchError,
  Registry,
  RegistryFullError,
  WorkerIdTakenError,
  sourceKey,
  workerInfoOf,
  type RegisterOutcome,
  type RegistryLimits,
  type WorkerRecord,
} from '../../coordinator/registry.ts';
import { LATENCY_ALPHA, LATENCY_WINDOW, type HealthCounters, type HealthPolicy } from '../../coordinator/worker-health.ts';
import type { Ejection, EvictedWorker, TaskUpdate, WorkerPage, WorkerStore } from '../../coordinator/worker-store.ts';
import { parsePublicKey, type PublicKey } from '../../signing/ed25519.ts';
import { inStore, type RedisStoreContext } from './client.ts';
import { DEREGISTER, EVICT, HEARTBEAT, RECORD_TASKS, REGISTER } from './worker-scripts.ts';

const RESYNC_MS = 30_000;

/** Caps the scripts take as numbers; "no cap" is a number too large to reach. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

export interface RedisWorkerStoreOptions extends RedisStoreContext {
  /** A connection of its own for the changes channel (a subscribed connection takes no other commands). */
  readonly subscriber: Redis;
  readonly policy: HealthPolicy;
  readonly limits: RegistryLimits;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class RedisWorkerStore implements WorkerStore {
  readonly view: Registry;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #now: () => number;
  /** Each worker's version in the view: a published state older than it is ignored. */
  readonly #versions = new Map<string, number>();
  #resync: NodeJS.Timeout | undefined;
  readonly #reloadNow = () => void this.#reload();

  constructor(private readonly options: RedisWorkerStoreOptions) {
    this.#now = options.now ?? Date.now;
    this.view = new Registry(options.policy, this.#now, options.limits);
    this.#redis = options.redis;
    this.#subscriber = options.subscriber;
    this.#prefix = options.prefix;
    this.#channel = `${options.prefix}workers:changes`;
  }

  /** Subscribes to the changes and loads the registry; call once, after connecting. */
  async start(): Promise<void> {
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#channel) this.#applyMessage(message);
    });
    // After an outage the subscription is restored by ioredis, but what was published meanwhile
    // is gone: reload. The reload reads through the command connection, which reconnects on its
    // own schedule; reloading when either comes back means the later of the two finds both up
    // (else a failed reload left the view stale until the next resync).
    this.#subscriber.on('ready', this.#reloadNow);
    this.#redis.on('ready', this.#reloadNow);
    await this.#subscriber.subscribe(this.#channel);
    await this.#reload();
    this.#resync = setInterval(() => void this.#reload(), RESYNC_MS);
    this.#resync.unref();
  }

  async register(id: string, endpoint: string, source: string, key?: PublicKey): Promise<RegisterOutcome> {
    const { limits } = this.options;
    const reply = await inStore(() =>
      REGISTER.run(
        this.#redis,
        [this.#key('workers'), this.#key('seen'), this.#key('seq'), this.#key('sources'), this.#workerKey(id)],
        [
          id,
          endpoint,
          sourceKey(source),
          this.#now(),
          limits.capacity ?? UNLIMITED,
          limits.perAddress ?? UNLIMITED,
          this.#channel,
          key?.raw ?? '',
        ],
      ),
    );
    const [outcome, previous, fields] = reply;
    if (outcome === 'taken') throw new WorkerIdTakenError(id);
    if (outcome === 'full') throw new RegistryFullError(limits.capacity ?? UNLIMITED);
    if (outcome === 'address') throw new AddressLimitError(limits.perAddress ?? UNLIMITED);
    if (Array.isArray(fields)) this.#mirror(fields);
    return outcome === 'updated' ? { kind: 'updated', previousEndpoint: previous } : { kind: 'registered' };
  }

  async heartbeat(id: string, source: string, reportedEndpoint?: string): Promise<number | undefined> {
    const now = this.#now();
    const [outcome, detail] = await inStore(() =>
      HEARTBEAT.run(this.#redis, [this.#workerKey(id), this.#key('seen')], [id, sourceKey(source), reportedEndpoint ?? '', now]),
    );
    if (outcome === 'unknown') return undefined;
    if (outcome === 'taken') throw new WorkerIdTakenError(id);
    if (outcome === 'mismatch') throw new EndpointMismatchError(detail ?? '', reportedEndpoint ?? '');
    return now;
  }

  deregister(id: string, source: string): Promise<boolean> {
    return this.#deregister(id, source, '');
  }

  remove(id: string): Promise<boolean> {
    return this.#deregister(id, '', '1');
  }

  async #deregister(id: string, source: string, anySource: '' | '1'): Promise<boolean> {
    const [outcome] = await inStore(() =>
      DEREGISTER.run(this.#redis, [this.#workerKey(id)], [this.#prefix, id, sourceKey(source), this.#channel, anySource]),
    );
    if (outcome === 'taken') throw new WorkerIdTakenError(id);
    if (outcome === 'unknown') return false;
    this.#forget(id);
    return true;
  }

  async evictStale(ttlMs: number): Promise<EvictedWorker[]> {
    const flat = await inStore(() => EVICT.run(this.#redis, [this.#key('seen')], [this.#prefix, this.#now() - ttlMs, this.#channel]));
    const evicted: EvictedWorker[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) {
      const id = flat[i] ?? '';
      evicted.push({ id, endpoint: flat[i + 1] ?? '', lastSeenMs: Number(flat[i + 2]) });
      this.#forget(id);
    }
    return evicted;
  }

  async recordTasks(updates: readonly TaskUpdate[], nowMs: number): Promise<Ejection[]> {
    const { policy } = this.options;
    const perWorker = updates.flatMap(({ entry, outcome }) => [
      entry.id,
      entry.seq,
      outcome.kind,
      ...(outcome.kind === 'success' ? [outcome.latencyMs, outcome.deadlineMs, outcome.deviation ?? ''] : [0, 0, '']),
    ]);
    const [ejectedIds, changed] = await inStore(() =>
      RECORD_TASKS.run(
        this.#redis,
        [],
        [
          this.#prefix,
          this.#channel,
          nowMs,
          policy.scoreAlpha,
          policy.agreementTolerance,
          policy.ejectAfterFailures,
          policy.ejectionBaseMs,
          policy.ejectionMaxMs,
          LATENCY_ALPHA,
          LATENCY_WINDOW,
          // Across coordinators the cap on ejected workers is judged from this one's view; counting
          // it goes over the whole registry, so only when a failure could eject (the script ejects
          // on failures alone).
          updates.some(({ outcome }) => outcome.kind !== 'success') ? this.view.ejectionBudget() : 0,
          ...perWorker.map((value) => (typeof value === 'number' ? formatNumber(value) : value)),
        ],
      ),
    );
    for (const fields of changed) this.#mirror(fields);
    return ejectedIds.map((id) => {
      const health = this.view.get(id)?.health;
      return { id, until: health?.ejectedUntil ?? nowMs, streak: health?.ejectionStreak ?? 0 };
    });
  }

  async info(id: string): Promise<WorkerInfo | undefined> {
    const [info] = await this.#infos([id]);
    return info;
  }

  async page(after: number, limit: number): Promise<WorkerPage> {
    const ids = await inStore(() =>
      this.#redis.zrangebyscore(this.#key('workers'), `(${String(after)}`, '+inf', 'WITHSCORES', 'LIMIT', 0, limit + 1),
    );
    const page: { id: string; seq: number }[] = [];
    for (let i = 0; i + 1 < ids.length; i += 2) page.push({ id: ids[i] ?? '', seq: Number(ids[i + 1]) });
    const shown = page.slice(0, limit);
    const workers = (await this.#infos(shown.map((w) => w.id))).filter((info) => info !== undefined);
    return { workers, next: page.length > limit ? shown.at(-1)?.seq : undefined };
  }

  close(): Promise<void> {
    clearInterval(this.#resync);
    // The connections may outlive the store (its owner closes them).
    this.#subscriber.off('ready', this.#reloadNow);
    this.#redis.off('ready', this.#reloadNow);
    return Promise.resolve();
  }

  /** Workers as Redis holds them now (statistics and last_seen included), in the given order. */
  async #infos(ids: readonly string[]): Promise<(WorkerInfo | undefined)[]> {
    if (ids.length === 0) return [];
    const replies = await inStore(async () => {
      const pipeline = this.#redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.#workerKey(id)).lrange(this.#key(`latency:${id}`), 0, LATENCY_WINDOW - 1);
      return (await pipeline.exec()) ?? [];
    });
    return ids.map((_, i) => {
      const [hashError, hash] = replies[2 * i] ?? [];
      const [listError, latencies] = replies[2 * i + 1] ?? [];
      if (hashError || listError) throw new Error(String(hashError ?? listError));
      const record = recordOf(hash as Record<string, string>);
      if (record === undefined) return undefined;
      // The list is newest first; the statistics take them in order.
      const recent = (latencies as string[]).map(Number).reverse();
      const keyId = record.key === undefined ? undefined : (this.view.get(record.id)?.key ?? parsePublicKey(record.key)).keyId;
      return workerInfoOf({ ...record, keyId }, record.health, recent, this.options.policy, this.#now());
    });
  }

  async #reload(): Promise<void> {
    try {
      const ids = await this.#redis.zrange(this.#key('workers'), 0, -1);
      const pipeline = this.#redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.#workerKey(id));
      const replies = (await pipeline.exec()) ?? [];
      const present = new Set<string>();
      for (const [error, hash] of replies) {
        const record = error ? undefined : recordOf(hash as Record<string, string>);
        if (record === undefined) continue;
        present.add(record.id);
        this.#versions.delete(record.id);
        this.#mirrorRecord(record, versionOf(hash as Record<string, string>));
      }
      for (const entry of [...this.view.entries()]) if (!present.has(entry.id)) this.#forget(entry.id);
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'could not reload the registry from Redis; keeping the view');
    }
  }

  #applyMessage(message: string): void {
    let parsed: { kind?: unknown; workers?: unknown; ids?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.kind === 'upsert' && Array.isArray(parsed.workers)) for (const fields of parsed.workers as string[][]) this.#mirror(fields);
    if (parsed.kind === 'remove' && Array.isArray(parsed.ids)) for (const id of parsed.ids as string[]) this.#forget(id);
  }

  /** Takes a worker's state (HGETALL's flat field list) unless the view already has a newer one. */
  #mirror(fields: readonly string[]): void {
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) hash[fields[i] ?? ''] = fields[i + 1] ?? '';
    const record = recordOf(hash);
    if (record !== undefined) this.#mirrorRecord(record, versionOf(hash));
  }

  #mirrorRecord(record: WorkerRecord, version: number): void {
    const known = this.#versions.get(record.id);
    const current = this.view.get(record.id);
    if (known !== undefined && current?.seq === record.seq && version <= known) return;
    this.#versions.set(record.id, version);
    this.view.mirror(record);
  }

  #forget(id: string): void {
    this.#versions.delete(id);
    this.view.forget(id);
  }

  #key(name: string): string {
    return `${this.#prefix}${name}`;
  }

  #workerKey(id: string): string {
    return this.#key(`worker:${id}`);
  }
}

/** A worker from its hash; undefined when the hash is empty (the worker is gone). */
function recordOf(hash: Record<string, string>): WorkerRecord | undefined {
  if (hash.id === undefined || hash.seq === undefined) return undefined;
  const health: HealthCounters = {
    score: Number(hash.score),
    tasks: Number(hash.tasks),
    successes: Number(hash.successes),
    failures: Number(hash.failures),
    timeouts: Number(hash.timeouts),
    consecutiveFailures: Number(hash.consecutive),
    ejectedUntil: Number(hash.ejected_until),
    ejectionStreak: Number(hash.streak),
    latencyEwma: hash.latency_ewma === undefined || hash.latency_ewma === '' ? undefined : Number(hash.latency_ewma),
    deviationMean: Number(hash.dev_mean),
    deviationCount: Number(hash.dev_count),
  };
  return {
    id: hash.id,
    endpoint: hash.endpoint ?? '',
    source: hash.source ?? '',
    seq: Number(hash.seq),
    registeredAtMs: Number(hash.registered),
    lastSeenMs: Number(hash.seen),
    health,
    key: hash.key,
  };
}

function versionOf(hash: Record<string, string>): number {
  return Number(hash.v ?? 0);
}

/** Every double exactly, as the scripts read and write them. */
function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(17);
}
