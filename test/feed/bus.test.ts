// The revocation feed's heartbeat tells a dead Redis connection from a busy process: a reply
// that arrived while this process's event loop was stalled past the timeout still counts, so
// a stall never makes API-key verification fail closed (503) nor drops the key cache.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { redisInvalidationBus, type InvalidationBus } from '../../src/feed/bus.js';
import { createLogger } from '../../src/lib/logger.js';

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

describe('revocation feed reconnect', () => {
  it('re-subscribes without an unhandled rejection when the connection drops just as it is ready', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    let cacheDrops = 0;
    const subscriber = new Redis(inject('redisUrl'), { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 2 });
    const channel = `kwtest:${randomBytes(4).toString('hex')}:invalidated`;
    const heard: string[] = [];
    const reconnectBus = await redisInvalidationBus(subscriber, publisher, channel, (m) => heard.push(m), () => cacheDrops++, createLogger('silent'));
    try {
      // The next connection stops being writable once its ready check is on the wire: the
      // ready check still answers, so ioredis takes the connection for ready and re-subscribes
      // over a stream that no longer writes (a connection dropping at that instant).
      subscriber.once('connect', () => {
        const stream = subscriber.stream;
        const endOnReadyCheckReply = (chunk: Buffer) => {
          if (!chunk.toString().includes('redis_version')) return;
          stream.off('data', endOnReadyCheckReply);
          stream.end();
        };
        stream.prependListener('data', endOnReadyCheckReply);
      });
      subscriber.stream.destroy();
      const deadline = Date.now() + 10_000;
      while (!(reconnectBus.listening() && cacheDrops > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(reconnectBus.listening()).toBe(true);
      await publisher.publish(channel, 'after-reconnect');
      await new Promise((r) => setTimeout(r, 200));
      expect(heard).toContain('after-reconnect');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
      await reconnectBus.close();
    }
  });
});
