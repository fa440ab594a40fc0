// Connections to Redis: the shared client, and one of its own for the revocation feed's pub/sub.
import { Cluster, Redis } from 'ioredis';
import type { Config } from '../config/config.js';

// Fail fast when Redis is away rather than queueing requests: callers get a clean error.
const FAIL_FAST = { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false } as const;
// Commands issued in the same turn of the event loop leave in one socket write: under load a
// write per command was the token endpoint's largest cost in a refresh (docs/benchmarks.md).
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

/** A connection of its own for pub/sub: a duplicate, or in a cluster one to the seed node. */
export function subscriberFor(redis: Redis | Cluster, config: Config): Redis {
  if (redis instanceof Cluster) return new Redis(config.redisUrl!, FAIL_FAST);
  return redis.duplicate();
}
