/**
 * The shared feed store: definitions, publications and poll counts in Redis, so that every
 * coordinator on it serves the same feeds. What changes several keys, or reads a key before
 * writing it, is one Lua script (atomic on the server); plain reads are single commands.
 *
 * Keys, under `<prefix>feeds:`:
 *   definitions             hash feed id → {"createdAtMs":…,"updatedAtMs":…,"definition":…}
 *   publications:<feedId>   list of publication JSON, oldest first, at most PUBLICATIONS_KEPT
 *   sequence:<feedId>       counter (INCR): the feed's last sequence number
 *   polls:<feedId>          hash total, published, skipped:<reason> (counts) and last (JSON)
 *
 * A publication or a poll for a feed not in `definitions` is refused inside its script, so a
 * poll that ends after another coordinator deleted its feed cannot bring the feed's keys back.
 */
import type { FeedDefinition } from '../../contract/models.ts';
import {
  PUBLICATIONS_KEPT,
  type FeedRecord,
  type FeedStore,
  type PollRecord,
  type PollStats,
  type Publication,
} from '../../coordinator/feeds/feed-store.ts';
import { ProblemError } from '../../http/problems.ts';
import { inStore, type RedisStoreContext } from './client.ts';
import { LuaScript, type ScriptArgument } from './lua-script.ts';

/**
 * KEYS: definitions; ARGV: feed id, definition JSON, now → {created (1/0), record JSON}. The
 * record is written by concatenation, so that the kept creation time is copied as it was
 * written (Lua would round a number it decoded and encoded again).
 */
const PUT = new LuaScript<[number, string]>(`
local existing = redis.call('HGET', KEYS[1], ARGV[1])
local createdAt = ARGV[3]
if existing then createdAt = string.match(existing, '^{"createdAtMs":([^,]+),') end
local record = '{"createdAtMs":' .. createdAt .. ',"updatedAtMs":' .. ARGV[3] .. ',"definition":' .. ARGV[2] .. '}'
redis.call('HSET', KEYS[1], ARGV[1], record)
return {existing and 0 or 1, record}
`);

/** KEYS: definitions, publications, sequence, polls; ARGV: feed id → 1 when there was a feed. */
const DELETE = new LuaScript<number>(`
local existed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
return existed
`);

/**
 * KEYS: definitions, publications, sequence; ARGV: feed id, publication JSON (without its
 * sequence), publications kept → the sequence given, or nil when the feed is not defined.
 */
const PUBLISH = new LuaScript<number | null>(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return nil end
local sequence = redis.call('INCR', KEYS[3])
redis.call('RPUSH', KEYS[2], '{"sequence":' .. sequence .. ',' .. string.sub(ARGV[2], 2))
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
return sequence
`);

/** KEYS: definitions, polls; ARGV: feed id, published (1/0), reason, poll JSON → 1 when counted. */
const RECORD_POLL = new LuaScript<number>(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[2], 'total', 1)
if ARGV[2] == '1' then redis.call('HINCRBY', KEYS[2], 'published', 1) else redis.call('HINCRBY', KEYS[2], 'skipped:' .. ARGV[3], 1) end
redis.call('HSET', KEYS[2], 'last', ARGV[4])
return 1
`);

type StoredRecord = Omit<FeedRecord, 'feedId'>;

const SKIPPED = 'skipped:';

export class RedisFeedStore implements FeedStore {
  readonly #redis: RedisStoreContext['redis'];
  readonly #prefix: string;
  readonly #definitions: string;

  constructor(context: RedisStoreContext) {
    this.#redis = context.redis;
    this.#prefix = `${context.prefix}feeds:`;
    this.#definitions = `${this.#prefix}definitions`;
  }

  async list(): Promise<FeedRecord[]> {
    const stored = await inStore(() => this.#redis.hgetall(this.#definitions));
    const records = Object.entries(stored).map(([feedId, json]) => parseRecord(feedId, json));
    // A hash has no order of its own; creation order is the memory store's.
    return records.sort((a, b) => a.createdAtMs - b.createdAtMs || a.feedId.localeCompare(b.feedId));
  }

  async get(feedId: string): Promise<FeedRecord | undefined> {
    const json = await inStore(() => this.#redis.hget(this.#definitions, feedId));
    return json === null ? undefined : parseRecord(feedId, json);
  }

  async put(feedId: string, definition: FeedDefinition, nowMs: number): Promise<{ record: FeedRecord; created: boolean }> {
    const [created, json] = await this.#run(PUT, [this.#definitions], [feedId, JSON.stringify(definition), nowMs]);
    return { record: parseRecord(feedId, json), created: created === 1 };
  }

  async delete(feedId: string): Promise<boolean> {
    const keys = [this.#definitions, this.#publications(feedId), this.#sequence(feedId), this.#polls(feedId)];
    return (await this.#run(DELETE, keys, [feedId])) === 1;
  }

  async publish(publication: Omit<Publication, 'sequence'>): Promise<Publication> {
    const { feedId } = publication;
    const keys = [this.#definitions, this.#publications(feedId), this.#sequence(feedId)];
    const sequence = await this.#run(PUBLISH, keys, [feedId, JSON.stringify(publication), PUBLICATIONS_KEPT]);
    // Another coordinator may have deleted the feed while this one polled it.
    if (sequence === null) throw new ProblemError('FEED_NOT_FOUND', `No feed ${feedId} is defined; its publication is dropped`);
    return { ...publication, sequence };
  }

  async latest(feedId: string): Promise<Publication | undefined> {
    const json = await inStore(() => this.#redis.lindex(this.#publications(feedId), -1));
    return json === null ? undefined : parsePublication(json);
  }

  async publications(feedId: string, limit: number): Promise<Publication[]> {
    // LRANGE -0 -1 would be the whole list.
    if (limit <= 0) return [];
    const count = Math.min(limit, PUBLICATIONS_KEPT);
    const kept = await inStore(() => this.#redis.lrange(this.#publications(feedId), -count, -1));
    return kept.map(parsePublication).reverse();
  }

  async publicationsAfter(feedId: string, roundId: string): Promise<Publication[] | undefined> {
    // At most PUBLICATIONS_KEPT short entries, read once when a client reconnects: searched here.
    const kept = (await inStore(() => this.#redis.lrange(this.#publications(feedId), 0, -1))).map(parsePublication);
    const index = kept.findIndex((p) => p.roundId === roundId);
    return index === -1 ? undefined : kept.slice(index + 1);
  }

  async recordPoll(feedId: string, poll: PollRecord): Promise<void> {
    // A poll that finishes after its feed was deleted has nowhere to go: the script ignores it.
    await this.#run(
      RECORD_POLL,
      [this.#definitions, this.#polls(feedId)],
      [feedId, poll.published ? 1 : 0, poll.reason, JSON.stringify(poll)],
    );
  }

  async polls(feedId: string): Promise<PollStats> {
    const { total, published, last, ...counts } = await inStore(() => this.#redis.hgetall(this.#polls(feedId)));
    const skipped: Record<string, number> = {};
    for (const [field, count] of Object.entries(counts))
      if (field.startsWith(SKIPPED)) skipped[field.slice(SKIPPED.length)] = Number(count);
    return {
      total: Number(total ?? 0),
      published: Number(published ?? 0),
      skipped,
      last: last === undefined ? undefined : (JSON.parse(last) as PollRecord),
    };
  }

  #run<Reply>(script: LuaScript<Reply>, keys: readonly string[], args: readonly ScriptArgument[]): Promise<Reply> {
    return inStore(() => script.run(this.#redis, keys, args));
  }

  #publications(feedId: string): string {
    return `${this.#prefix}publications:${feedId}`;
  }

  #sequence(feedId: string): string {
    return `${this.#prefix}sequence:${feedId}`;
  }

  #polls(feedId: string): string {
    return `${this.#prefix}polls:${feedId}`;
  }
}

/** Values are written by this store only (the scripts above), so they parse to these shapes. */
function parseRecord(feedId: string, json: string): FeedRecord {
  return { feedId, ...(JSON.parse(json) as StoredRecord) };
}

function parsePublication(json: string): Publication {
  return JSON.parse(json) as Publication;
}
