// The revocation feed's heartbeat tells a dead Redis connection from a busy process: a reply
// that arrived while this process's event loop was stalled past the timeout still counts, so
// a stall never makes API-key verification fail closed (503) nor drops the key cache.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { redisInvalidationBus, type InvalidationBus } from '../../src/api-keys/invalidation.js';
import { createLogger } from '../../src/logger.js';

let publisher: Redis;
let bus: InvalidationBus | undefined;

beforeAll(() => {
  publisher = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await bus?.close();
  publisher.disconnect();
});

describe('revocation feed heartbeat', () => {
  it('keeps listening through an event-loop stall longer than its timeout', async () => {
    let cacheDrops = 0;
    const subscriber = new Redis(inject('redisUrl'), { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 2 });
    bus = await redisInvalidationBus(subscriber, publisher, `kwtest:${randomBytes(4).toString('hex')}:invalidated`, () => {}, () => cacheDrops++, createLogger('silent'));
    // The heartbeat pings every 2 s from now; stall 1.5 s (past its 1 s timeout) just after one.
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        const until = Date.now() + 1500;
        while (Date.now() < until);
        resolve();
      }, 2000),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bus.listening()).toBe(true);
    expect(cacheDrops).toBe(0);
  });
});
