/**
 * A Lua script run on the Redis server: what makes a store operation that touches several keys
 * atomic, so that coordinators writing at once never see or leave them half-updated. Sent by its
 * SHA-1 (EVALSHA) and by its text only when the server does not know it yet (NOSCRIPT: first
 * use, or a restarted server, whose script cache starts empty).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type ScriptArgument = string | number;

/** `Reply` is the shape the script's `return` gives, as Redis converts it (Lua tables become arrays). */
export class LuaScript<Reply> {
  readonly #sha: string;

  constructor(readonly source: string) {
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly ScriptArgument[]): Promise<Reply> {
    try {
      return (await redis.evalsha(this.#sha, keys.length, ...keys, ...args)) as Reply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await redis.eval(this.source, keys.length, ...keys, ...args)) as Reply;
    }
  }
}
