import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, inject } from 'vitest';
import { redisProtocolStore } from '../../src/adapters/protocol-store.js';
import { TEST_STATE_KEYS } from './adapter-contract.js';
import { RedisAdapter } from '../../src/adapters/redis.js';
import { deleteRedisPrefix } from '../helpers/server.js';
import { adapterContract } from './adapter-contract.js';

const redis = new Redis(inject('redisUrl'));
const prefix = `kwtest:${randomBytes(4).toString('hex')}:`;

afterAll(async () => {
  await deleteRedisPrefix(inject('redisUrl'), prefix);
  redis.disconnect();
});

adapterContract('Redis', (policy) => redisProtocolStore(redis, prefix, policy, TEST_STATE_KEYS), {
  async dump() {
    const keys = await redis.keys(`${prefix}*`);
    const values = await Promise.all(keys.map(async (key) => ((await redis.type(key)) === 'hash' ? JSON.stringify(await redis.hgetall(key)) : (await redis.type(key)) === 'set' ? (await redis.smembers(key)).join(' ') : await redis.get(key))));
    return [...keys, ...values].join('\n');
  },
  plain: (model, policy) => new RedisAdapter(redis, model, prefix, policy),
});
