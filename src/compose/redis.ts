// Connections to Redis: the shared client, and one of its own for the revocation feed's pub/sub.
import { Cluster, Redis } from 'ioredis';
import type { Config } from '../config/config.js';

// Fail fast when Redis is away rather than queueing requests: callers get a clean error.
const FAIL_FAST = { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false } as const;
// Commands issued while the previous batch is on the wire leave together in one socket write:
// a write per command was a fifth of a refresh rotation's CPU (docs/benchmarks.md). An automatic
// pipeline copies the client's scripted commands when it is made and lives until the batch
// before it is answered, so a command defined on the client later is missing from it, and the
// answers of that batch then reach the wrong callers. Every scripted command is therefore
// defined before the server serves: the protocol store's when it is built
// (adapters/redis.ts), the rate limiter's when it is built (rate-limit/limiter.ts);
// test/rate-limit/auto-pipelining.test.ts holds both to it.
const AUTO_PIPELINING = { enableAutoPipelining: true } as const;

export async function connectRedis(url: string, cluster: boolean): Promise<Redis | Cluster> {
  let redis: Redis | Cluster;
  if (cluster) {
    const seed = new URL(url);
    redis = new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
      ...AUTO_PIPELINING,
      lazyConnect: true,
      enableOfflineQueue: false,
      redisOptions: {
        maxRetriesPerRequest: 2,
        ...(seed.username ? { username: decodeURIComponent(seed.username) } : {}),
        ...(seed.password ? { password: decodeURIComponent(seed.password) } : {}),
        ...(seed.protocol === 'rediss:' ? { tls: {} } : {}),
      },
    });
  } else {
    redis = new Redis(url, { ...FAIL_FAST, ...AUTO_PIPELINING });
  }
  redis.on('error', () => {}); // connection errors surface through commands and /readyz
  await redis.connect();
  return redis;
}

/** A connection of its own for pub/sub (no pipelines there): a duplicate, or in a cluster one to the seed node. */
export function subscriberFor(redis: Redis | Cluster, config: Config): Redis {
  if (redis instanceof Cluster) return new Redis(config.redisUrl!, FAIL_FAST);
  return redis.duplicate({ enableAutoPipelining: false });
}
