/** The tests start their own redis-server, the same way `npm start -- --ha` does. */
export { startRedis, type RedisOptions, type RedisServer } from '../../src/store/redis/local-server.ts';
