import { RedisKeyStore } from '../../src/store/redis/redis-key-store.ts';
import { useRedisStores } from '../helpers/redis-stores.ts';
import { describeKeyStore } from './key-store-contract.ts';

const redis = useRedisStores();

describeKeyStore('redis', () => Promise.resolve({ store: new RedisKeyStore(redis.context()), close: () => Promise.resolve() }));
