/**
 * The key store in Redis, shared by every coordinator on the same Redis and prefix:
 *
 *   keys                 hash id → base64 of the key the id is bound to
 *   coordinator-keys     sorted set of base64 coordinator keys, by when each was last renewed
 *   nonce:<id>:<nonce>   a claimed nonce, expiring with its TTL (SET NX PX)
 */
import type { BindOutcome, KeyStore } from '../../coordinator/key-store.ts';
import { inStore, type RedisStoreContext } from './client.ts';
import { LuaScript } from './lua-script.ts';

/** KEYS: keys. ARGV: id, key, capacity. → 'bound' | 'same' | 'mismatch' | 'full' */
const BIND = new LuaScript<BindOutcome>(`
local bound = redis.call('HGET', KEYS[1], ARGV[1])
if bound then
  if bound == ARGV[2] then return 'same' end
  return 'mismatch'
end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 'full' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'bound'
`);

export class RedisKeyStore implements KeyStore {
  readonly #keys: string;
  readonly #coordinators: string;

  constructor(private readonly context: RedisStoreContext) {
    this.#keys = `${context.prefix}keys`;
    this.#coordinators = `${context.prefix}coordinator-keys`;
  }

  async keyOf(id: string): Promise<string | undefined> {
    return (await inStore(() => this.context.redis.hget(this.#keys, id))) ?? undefined;
  }

  bind(id: string, key: string, capacity: number): Promise<BindOutcome> {
    return inStore(() => BIND.run(this.context.redis, [this.#keys], [id, key, Math.min(capacity, Number.MAX_SAFE_INTEGER)]));
  }

  async unbind(id: string): Promise<boolean> {
    return (await inStore(() => this.context.redis.hdel(this.#keys, id))) > 0;
  }

  async bindings(): Promise<[string, string][]> {
    return Object.entries(await inStore(() => this.context.redis.hgetall(this.#keys)));
  }

  async renewCoordinatorKey(key: string, nowMs: number): Promise<void> {
    await inStore(() => this.context.redis.zadd(this.#coordinators, nowMs, key));
  }

  async coordinatorKeys(sinceMs: number): Promise<string[]> {
    const { redis } = this.context;
    await inStore(() => redis.zremrangebyscore(this.#coordinators, '-inf', `(${String(sinceMs)}`));
    return inStore(() => redis.zrange(this.#coordinators, 0, -1));
  }

  async claimNonce(id: string, nonce: string, ttlMs: number): Promise<boolean> {
    const reply = await inStore(() => this.context.redis.set(`${this.context.prefix}nonce:${id}:${nonce}`, '1', 'PX', ttlMs, 'NX'));
    return reply === 'OK';
  }
}
