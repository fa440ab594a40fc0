// Connections to Redis: the shared client, and one of its own for the revocation feed's pub/sub.
import { Cluster, Redis } from 'ioredis';
import type { Config } from '../config/config.js';

// Fail fast when Redis is away rather than queueing requests: callers get a clean error.
const FAIL_FAST = { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false } as const;
// No auto-pipelining (enableAutoPipelining): it saves socket writes, but a command defined on the
// client after an automatic pipeline was made (rate-limiter-flexible defines its script lazily)
// is missing from that pipeline, and ioredis then throws where nothing can catch it: the chaos
// test saw a replica exit on it.

export async function connectRedis(url: string, cluster: boolean): Promise<Redis | Cluster> {
  let redis: Redis | Cluster;
  if (cluster) {
    const seed = new URL(url);
    redis = new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
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
    redis = new Redis(url, FAIL_FAST);
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
