// The CLI's side of cross-replica invalidation: when it revokes or rotates a key, or changes a
// membership or a plan, against Postgres while servers run, it tells them over Redis, as a
// server would.
import { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { feedChannel, type InvalidationPublisher } from './bus.js';

export function cliInvalidationBus(config: Config): InvalidationPublisher | undefined {
  const url = config.redisUrl;
  if (!url || config.redisCluster) return undefined; // a cluster: servers see it within the cache TTL
  return {
    async publish(message) {
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      redis.on('error', () => {});
      try {
        await redis.connect();
        await redis.publish(feedChannel(config.redisKeyPrefix), message);
      } catch {
        // Servers drop the key when their cache entry expires (10 s).
      } finally {
        redis.disconnect();
      }
    },
  };
}
