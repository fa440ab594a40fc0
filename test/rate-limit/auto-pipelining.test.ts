// The shared Redis client pipelines automatically (compose/redis.ts). An automatic pipeline
// copies the client's scripted commands when it is made, so every script must be defined before
// the first request: a limit of a shape not seen before, or the first record of a model, used
// while a pipeline is pending, must still reach Redis and its answer the right caller.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Cluster, Redis } from 'ioredis';
import { connectRedis } from '../../src/compose/redis.js';
import { redisProtocolStore, type ProtocolStore } from '../../src/adapters/protocol-store.js';
import { redisRateLimiter, type RateLimiter } from '../../src/rate-limit/limiter.js';
import { deleteRedisPrefix } from '../helpers/server.js';

const prefix = `kwtest:${randomBytes(4).toString('hex')}:`;
let redis: Redis | Cluster;
let store: ProtocolStore;
let limiter: RateLimiter;

beforeAll(async () => {
  redis = await connectRedis(inject('redisUrl'), false);
  // Built as compose/ builds them, before anything is asked of them.
  store = redisProtocolStore(redis, prefix, { refreshTokenReuseInterval: 0 }, { idKey: randomBytes(32), sealingKey: randomBytes(32) });
  limiter = redisRateLimiter(redis, prefix);
});
afterAll(async () => {
  redis.disconnect();
  await deleteRedisPrefix(inject('redisUrl'), prefix);
});

describe('scripted commands under automatic pipelining', () => {
  it('counts a limit of a new shape asked while a pipeline is pending, and answers every caller its own answer', async () => {
    for (let round = 0; round < 20; round++) {
      const id = `r${round}`;
      // One turn of the event loop: a read makes the pipeline, then a limiter of a new shape is made and used.
      const pending = redis.set(`${prefix}plain:${id}`, id);
      const counted = limiter.consume([{ key: `shape:${id}`, max: 100 + round, windowSeconds: 60 }]);
      const read = redis.get(`${prefix}plain:${id}`);
      await expect(Promise.all([pending, counted, read])).resolves.toEqual(['OK', 0, id]);
    }
  });

  it("writes a model's first record while a pipeline is pending, and reads each record back under its own id", async () => {
    for (let round = 0; round < 20; round++) {
      const pending = redis.get(`${prefix}nothing`);
      const model = store.forModel(`Model${round}`);
      const writes = [0, 1, 2].map((i) => model.upsert(`id${i}`, { value: `${round}-${i}` }, 60));
      await Promise.all([pending, ...writes]);
      const found = await Promise.all([0, 1, 2].map((i) => model.find(`id${i}`)));
      expect(found.map((payload) => payload?.value)).toEqual([`${round}-0`, `${round}-1`, `${round}-2`]);
    }
  });
});
