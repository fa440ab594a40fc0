// Revocation reaches every replica within a second: a revoke or rotate publishes the key's
// hash on Redis, and each replica drops it from its verification cache. Without Redis there
// is one process (embedded mode), and local invalidation is all there is.
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../logger.js';

export interface InvalidationBus {
  publish(keyHash: string): Promise<void>;
  close(): Promise<void>;
}

export async function redisInvalidationBus(
  redis: Redis | Cluster,
  channel: string,
  onInvalidate: (keyHash: string) => void,
  logger: Logger,
): Promise<InvalidationBus> {
  const subscriber = redis.duplicate();
  subscriber.on('error', () => {});
  subscriber.on('message', (_channel: string, keyHash: string) => onInvalidate(keyHash));
  // After a reconnect the subscription is restored by ioredis; entries cached meanwhile expire
  // within the cache TTL.
  // The duplicate inherits lazyConnect and no offline queue: connect before subscribing.
  await subscriber.connect();
  await subscriber.subscribe(channel);
  return {
    async publish(keyHash) {
      onInvalidate(keyHash);
      try {
        await redis.publish(channel, keyHash);
      } catch (err) {
        logger.warn({ err }, 'publishing an API key invalidation failed; other replicas see it when their cache entry expires');
      }
    },
    async close() {
      subscriber.disconnect();
    },
  };
}

export function localInvalidationBus(onInvalidate: (keyHash: string) => void): InvalidationBus {
  return {
    async publish(keyHash) {
      onInvalidate(keyHash);
    },
    async close() {},
  };
}
