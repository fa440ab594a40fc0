import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, inject } from 'vitest';
import { redisProtocolStore } from '../../src/adapters/protocol-store.js';
import { deleteRedisPrefix } from '../helpers/server.js';
import { adapterContract } from './adapter-contract.js';

const redis = new Redis(inject('redisUrl'));
const prefix = `kwtest:${randomBytes(4).toString('hex')}:`;

afterAll(async () => {
  await deleteRedisPrefix(inject('redisUrl'), prefix);
  redis.disconnect();
});

adapterContract('Redis', (policy) => redisProtocolStore(redis, prefix, policy));
