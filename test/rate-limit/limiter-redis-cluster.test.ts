// The Redis attempt counter keeps the rate-limiter contract on a real three-node Redis Cluster
// (each counter's key is its own hash tag, so no command crosses slots).
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll } from 'vitest';
import { redisRateLimiter } from '../../src/rate-limit/limiter.js';
import { privateRedisCluster } from '../helpers/private-redis-cluster.js';
import { rateLimiterContract } from './limiter-contract.js';

const cluster = await privateRedisCluster();
const client = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0]! }]);
afterAll(() => {
  client.disconnect();
  cluster.remove();
});

rateLimiterContract('Redis Cluster', () => redisRateLimiter(client, `kwtest:${randomBytes(4).toString('hex')}:`));
