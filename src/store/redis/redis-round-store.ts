/**
 * The shared round store: finished rounds kept in Redis, so that every coordinator on it sees
 * one history. Every operation is one Lua script (one round trip, atomic on the server), so
 * coordinators adding and evicting at once never leave a round half-indexed or lose one.
 *
 * Keys, under `<prefix>rounds:`:
 *   seq            counter (INCR) giving each round its `seq`: insertion order, and the cursor
 *   round:<seq>    hash {json, id, query, key, finished}: the round and what evicting it needs
 *   all            sorted set of every kept seq, scored by seq
 *   query:<query>  sorted set of the seqs of one query, scored by seq
 *   finished       sorted set of every kept seq, scored by finished time (ms): age eviction
 *   ids            hash request id → seq (an id re-added replaces its older round)
 *   answered       hash round key → seq of its newest complete or partial round
 *
 * `round:<seq>` and `query:<query>` are named inside the scripts, from the prefix, so this
 * layout needs a single Redis server (not a cluster, where a script must declare every key).
 */
import type {
  EvictionReason,
  Round,
  RoundListing,
  RoundPage,
  RoundStore,
  RoundStoreLimits,
  StoredRound,
} from '../../coordinator/rounds/round-store.ts';
import { inStore, type RedisStoreContext } from './client.ts';
import { LuaScript, type ScriptArgument } from './lua-script.ts';

export interface RedisRoundStoreOptions extends RoundStoreLimits {
  now?: () => number;
  /** Told of every round dropped to stay within the limits, by whichever coordinator dropped it. */
  onEvict?: (reason: EvictionReason) => void;
}

/**
 * What every script starts with: the fixed keys (the same KEYS for all of them), the prefix of
 * the per-round and per-query keys (ARGV[1]), and the two ways a round leaves the store.
 */
const PRELUDE = `
local all, finished, ids, answered, counter = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prefix = ARGV[1]

-- Removes one round from everything that names it (seq is a string, as Redis returns it).
local function forget(seq)
  local roundKey = prefix .. 'round:' .. seq
  local fields = redis.call('HMGET', roundKey, 'id', 'query', 'key')
  redis.call('DEL', roundKey)
  redis.call('ZREM', all, seq)
  redis.call('ZREM', finished, seq)
  if fields[2] then redis.call('ZREM', prefix .. 'query:' .. fields[2], seq) end
  if fields[1] and redis.call('HGET', ids, fields[1]) == seq then redis.call('HDEL', ids, fields[1]) end
  if fields[3] and redis.call('HGET', answered, fields[3]) == seq then redis.call('HDEL', answered, fields[3]) end
end

-- Drops every round that finished before the cutoff (ms); returns how many.
local function expire(cutoff)
  local old = redis.call('ZRANGEBYSCORE', finished, '-inf', '(' .. cutoff)
  for _, seq in ipairs(old) do forget(seq) end
  return #old
end
`;

/** ARGV: prefix, cutoff, limit, json, request id, query, key, finished, answered (1/0) → {evicted by age, by count}. */
const ADD = new LuaScript<[number, number]>(`${PRELUDE}
local limit, json, id, query, key, finishedAt = tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local seq = tostring(redis.call('INCR', counter))
-- A client-chosen id may come back once its first round has finished: the newer one wins.
local previous = redis.call('HGET', ids, id)
if previous then forget(previous) end
redis.call('HSET', prefix .. 'round:' .. seq, 'json', json, 'id', id, 'query', query, 'key', key, 'finished', finishedAt)
redis.call('ZADD', all, seq, seq)
redis.call('ZADD', prefix .. 'query:' .. query, seq, seq)
redis.call('ZADD', finished, finishedAt, seq)
redis.call('HSET', ids, id, seq)
if ARGV[9] == '1' then redis.call('HSET', answered, key, seq) end
local aged = expire(ARGV[2])
local excess = redis.call('ZCARD', all) - limit
if excess <= 0 then return {aged, 0} end
for _, oldest in ipairs(redis.call('ZRANGE', all, 0, excess - 1)) do forget(oldest) end
return {aged, excess}
`);

/** ARGV: prefix, cutoff, request id → {evicted by age, json?}. */
const GET = new LuaScript<[number, string?]>(`${PRELUDE}
local aged = expire(ARGV[2])
local seq = redis.call('HGET', ids, ARGV[3])
if not seq then return {aged} end
return {aged, redis.call('HGET', prefix .. 'round:' .. seq, 'json')}
`);

/** ARGV: prefix, cutoff, index key, upper bound (exclusive), count → {evicted by age, seqs, jsons}, newest first. */
const LIST = new LuaScript<[number, string[], string[]]>(`${PRELUDE}
local aged = expire(ARGV[2])
local seqs = redis.call('ZREVRANGEBYSCORE', ARGV[3], ARGV[4], '-inf', 'LIMIT', 0, tonumber(ARGV[5]))
local jsons = {}
for i, seq in ipairs(seqs) do jsons[i] = redis.call('HGET', prefix .. 'round:' .. seq, 'json') end
return {aged, seqs, jsons}
`);

/** ARGV: prefix, cutoff → {evicted by age, rounds kept}. */
const SIZE = new LuaScript<[number, number]>(`${PRELUDE}
return {expire(ARGV[2]), redis.call('ZCARD', all)}
`);

/** ARGV: prefix, since (ms), key → {seq, finished, json} or nil. Reads only. */
const LATEST_ANSWERED = new LuaScript<[string, string, string] | null>(`${PRELUDE}
local seq = redis.call('HGET', answered, ARGV[3])
if not seq then return nil end
local fields = redis.call('HMGET', prefix .. 'round:' .. seq, 'finished', 'json')
if not fields[1] or tonumber(fields[1]) < tonumber(ARGV[2]) then return nil end
return {seq, fields[1], fields[2]}
`);

export class RedisRoundStore implements RoundStore {
  readonly #redis: RedisStoreContext['redis'];
  /** Prefix of every key of this store. */
  readonly #prefix: string;
  readonly #keys: readonly string[];
  readonly #now: () => number;

  constructor(
    context: RedisStoreContext,
    private readonly options: RedisRoundStoreOptions,
  ) {
    this.#redis = context.redis;
    this.#prefix = `${context.prefix}rounds:`;
    this.#keys = ['all', 'finished', 'ids', 'answered', 'seq'].map((name) => this.#prefix + name);
    this.#now = options.now ?? Date.now;
  }

  async add(round: Round, key: string, finishedAtMs: number): Promise<void> {
    const answered = round.outcome === 'complete' || round.outcome === 'partial';
    const [aged, counted] = await this.#run(ADD, [
      this.#cutoff(),
      this.options.limit,
      JSON.stringify(round),
      round.request_id,
      round.query,
      key,
      finishedAtMs,
      answered ? 1 : 0,
    ]);
    this.#reportEvictions('age', aged);
    this.#reportEvictions('count', counted);
  }

  async get(requestId: string): Promise<Round | undefined> {
    const [aged, json] = await this.#run(GET, [this.#cutoff(), requestId]);
    this.#reportEvictions('age', aged);
    return json === undefined ? undefined : parseRound(json);
  }

  async list(listing: RoundListing): Promise<RoundPage> {
    const index = this.#prefix + (listing.query === undefined ? 'all' : `query:${listing.query}`);
    const before = listing.before === undefined ? '+inf' : `(${listing.before}`;
    // One more than asked for, to know whether there is a next page.
    const [aged, seqs, jsons] = await this.#run(LIST, [this.#cutoff(), index, before, listing.limit + 1]);
    this.#reportEvictions('age', aged);
    const more = seqs.length > listing.limit;
    const last = seqs[listing.limit - 1];
    return { rounds: jsons.slice(0, listing.limit).map(parseRound), next: more && last !== undefined ? Number(last) : undefined };
  }

  async latestAnswered(key: string, sinceMs: number): Promise<StoredRound | undefined> {
    // A round past the age limit is dropped even if no write has removed it yet.
    const found = await this.#run(LATEST_ANSWERED, [Math.max(sinceMs, this.#cutoff()), key]);
    if (found === null) return undefined;
    const [seq, finishedAt, json] = found;
    return { seq: Number(seq), key, finishedAtMs: Number(finishedAt), round: parseRound(json) };
  }

  async size(): Promise<number> {
    const [aged, size] = await this.#run(SIZE, [this.#cutoff()]);
    this.#reportEvictions('age', aged);
    return size;
  }

  /** Runs a script with the store's keys and prefix; a lost connection is a 503. */
  #run<Reply>(script: LuaScript<Reply>, args: readonly ScriptArgument[]): Promise<Reply> {
    return inStore(() => script.run(this.#redis, this.#keys, [this.#prefix, ...args]));
  }

  /** Rounds that finished before this are too old to keep. */
  #cutoff(): number {
    return this.#now() - this.options.maxAgeMs;
  }

  #reportEvictions(reason: EvictionReason, count: number): void {
    for (let i = 0; i < count; i++) this.options.onEvict?.(reason);
  }
}

/** Rounds are stored as the coordinator gave them; the store is the only writer of these keys. */
function parseRound(json: string): Round {
  return JSON.parse(json) as Round;
}
