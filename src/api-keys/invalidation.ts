// Revocation reaches every replica within a second: a revoke or rotate publishes the key's
// hash on Redis, and each replica drops it from its verification cache. Without Redis there
// is one process (embedded mode), and local invalidation is all there is. While the bus cannot
// hear, a replica's cache could hold a key revoked elsewhere: verification then fails closed
// (503), and whatever was cached before a reconnect is dropped.
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../logger.js';

export interface InvalidationPublisher {
  publish(keyHash: string): Promise<void>;
}

export interface InvalidationBus extends InvalidationPublisher {
  /** Whether invalidations from other replicas reach this one now. */
  listening(): boolean;
  close(): Promise<void>;
}

export async function redisInvalidationBus(
  redis: Redis | Cluster,
  channel: string,
  onInvalidate: (keyHash: string) => void,
  onMissedInvalidations: () => void,
  logger: Logger,
): Promise<InvalidationBus> {
  const subscriber = redis.duplicate();
  subscriber.on('error', () => {});
  subscriber.on('message', (_channel: string, keyHash: string) => onInvalidate(keyHash));
  // The duplicate inherits lazyConnect and no offline queue: connect before subscribing.
  await subscriber.connect();
  await subscriber.subscribe(channel);
  // ioredis restores the subscription after a reconnect; what was published meanwhile is lost.
  subscriber.on('ready', onMissedInvalidations);
  return {
    listening: () => subscriber.status === 'ready',
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
    listening: () => true,
    async publish(keyHash) {
      onInvalidate(keyHash);
    },
    async close() {},
  };
}
