// The Redis attempt counter keeps the rate-limiter contract, and fails closed when Redis is
// gone: an attempt it cannot count is refused as an outage (503), never let through.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { StorageUnavailableError } from '../../src/lib/errors.js';
import { redisRateLimiter } from '../../src/rate-limit/limiter.js';
import { deleteRedisPrefix } from '../helpers/server.js';
import { rateLimiterContract } from './limiter-contract.js';

const redis = new Redis(inject('redisUrl'));
const prefix = `kwtest:${randomBytes(4).toString('hex')}:`;

afterAll(async () => {
  await deleteRedisPrefix(inject('redisUrl'), prefix);
  redis.disconnect();
});

rateLimiterContract('Redis', () => redisRateLimiter(redis, prefix));

describe('Redis rate limiter without Redis', () => {
  const login = { key: 'login:ip:192.0.2.1', max: 5, windowSeconds: 60 };

  it('refuses to count on an unreachable Redis with a StorageUnavailableError', async () => {
    // Port 1 refuses at once; no offline queue and no retries, so the command fails now.
    const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    unreachable.on('error', () => {});
    const limiter = redisRateLimiter(unreachable, prefix);
    try {
      await expect(limiter.consume([login])).rejects.toBeInstanceOf(StorageUnavailableError);
      await expect(limiter.refund([login])).rejects.toBeInstanceOf(StorageUnavailableError);
      await expect(limiter.count(login)).rejects.toBeInstanceOf(StorageUnavailableError);
    } finally {
      unreachable.disconnect();
    }
  });

  it('refuses to count on a closed connection with a StorageUnavailableError', async () => {
    const closed = new Redis(inject('redisUrl'));
    closed.on('error', () => {});
    await closed.ping();
    closed.disconnect();
    await expect(redisRateLimiter(closed, prefix).consume([login])).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});
