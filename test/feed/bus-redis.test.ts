// The Redis revocation feed keeps the invalidation bus contract across replicas; a publish on a
// dead publisher connection still invalidates locally and only warns; and the CLI's publisher
// reaches a server's bus on the channel the server listens on.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { redisInvalidationBus, type InvalidationBus } from '../../src/feed/bus.js';
import { cliInvalidationBus } from '../../src/feed/cli-publisher.js';
import { createLogger } from '../../src/lib/logger.js';
import { deleteRedisPrefix } from '../helpers/server.js';
import { invalidationBusContract } from './bus-contract.js';

const redisUrl = inject('redisUrl');
const prefix = `kwtest:${randomBytes(4).toString('hex')}:`;
const connections: Redis[] = [];
const buses: InvalidationBus[] = [];

afterAll(async () => {
  for (const bus of buses) await bus.close();
  for (const connection of connections) connection.disconnect();
  await deleteRedisPrefix(redisUrl, prefix);
});

// As the server builds it: a subscriber of its own, which the bus connects.
const subscriber = () => new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 2 });

/** A replica as a server builds it: its own shared client and its own subscriber. */
async function replica(channel: string, publisher: Redis = new Redis(redisUrl), logger = createLogger('silent')) {
  connections.push(publisher);
  const heard: string[] = [];
  const bus = await redisInvalidationBus(subscriber(), publisher, channel, (message) => heard.push(message), () => {}, logger);
  buses.push(bus);
  return { bus, heard };
}

invalidationBusContract('Redis', { shared: true, replica: (channel) => replica(`${prefix}${channel}`) });

describe('Redis invalidation bus with its publisher down', () => {
  it('still invalidates locally, resolves, and logs a warning', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => {});
    const logger = createLogger('silent');
    const warn = vi.spyOn(logger, 'warn');
    const { bus, heard } = await replica(`${prefix}down`, down, logger);
    await expect(bus.publish('key-hash')).resolves.toBeUndefined();
    expect(heard).toEqual(['key-hash']);
    expect(warn).toHaveBeenCalledOnce();
  });
});

describe('the CLI invalidation publisher', () => {
  it("reaches a server's bus on the server's channel", async () => {
    const config = loadConfig({ NODE_ENV: 'test', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, DATABASE_URL: inject('databaseUrl'), KEYWARD_SECRET: 'x'.repeat(32) });
    const server = await replica(`${prefix}api-keys:invalidated`);
    const cli = cliInvalidationBus(config);
    expect(cli).toBeDefined();
    await cli!.publish('revoked-key-hash');
    const deadline = Date.now() + 1_000;
    while (!server.heard.includes('revoked-key-hash') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.heard).toEqual(['revoked-key-hash']);
  });

  it('publishes nothing without Redis, and does not fail the command when Redis is unreachable', async () => {
    expect(cliInvalidationBus(loadConfig({ NODE_ENV: 'test' }))).toBeUndefined();
    // The revocation is already in Postgres: servers drop the key when their cache entry expires.
    await expect(cliInvalidationBus(loadConfig({ NODE_ENV: 'test', REDIS_URL: 'redis://127.0.0.1:1' }))!.publish('key-hash')).resolves.toBeUndefined();
  });
});
