// The revocation feed: changes reach every replica within a second. A revoke or rotate
// publishes the key's hash on Redis, and each replica drops it from its verification cache;
// a membership or plan change publishes the policy's message (policy/lookups.ts), and each
// replica drops that lookup. Without Redis there is one process (embedded mode), and local
// invalidation is all there is. While the bus cannot hear, a replica's cache could hold a key
// revoked elsewhere: verification then fails closed (503), the policy's lookups read the
// database, and whatever was cached before the bus hears again is dropped.
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';

/** The Redis channel every replica and the CLI publish on. */
export function feedChannel(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}api-keys:invalidated`;
}

export interface InvalidationPublisher {
  /** An API key's hash, or a policy message (policy/lookups.ts). */
  publish(message: string): Promise<void>;
}

export interface InvalidationBus extends InvalidationPublisher {
  /** Whether invalidations from other replicas reach this one now. */
  listening(): boolean;
  close(): Promise<void>;
}

// A subscriber sends nothing on its own, so a connection that died silently would look alive
// for ever: it is pinged, and one that does not answer is dropped and reconnected.
const HEARTBEAT_MS = 2_000;
const HEARTBEAT_TIMEOUT_MS = 1_000;

/**
 * `subscriber` is a connection of its own, to one node (a Redis Cluster broadcasts PUBLISH to
 * every node), which the bus re-subscribes itself after a reconnect; `publisher` is the shared
 * client.
 */
export async function redisInvalidationBus(
  subscriber: Redis,
  publisher: Redis | Cluster,
  channel: string,
  onInvalidate: (message: string) => void,
  onMissedInvalidations: () => void,
  logger: Logger,
): Promise<InvalidationBus> {
  let listening = false;
  const deaf = () => {
    listening = false;
  };
  subscriber.options.autoResubscribe = false;
  subscriber.on('error', () => {});
  let closed = false;
  subscriber.on('message', (_channel: string, message: string) => {
    if (!closed) onInvalidate(message);
  });
  subscriber.on('close', deaf).on('reconnecting', deaf).on('end', deaf);
  await subscriber.connect();
  await subscriber.subscribe(channel);
  listening = true;
  // After a reconnect, listen again only once the subscription is confirmed, then forget what
  // was cached: whatever was published meanwhile is lost. ioredis's own re-subscription would
  // neither wait for the reply nor handle its failure (a connection that drops just as it is
  // ready rejects it unhandled, which ends the process), hence autoResubscribe: false.
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => {
        onMissedInvalidations();
        listening = subscriber.status === 'ready';
      },
      () => subscriber.disconnect(true),
    );
  });
  const heartbeat = setInterval(() => {
    if (!listening) return;
    let answered = false;
    subscriber.ping().then(
      () => (answered = true),
      () => {},
    );
    // The verdict waits for setImmediate, which runs after the poll phase: a reply that arrived
    // while this process itself was busy past the timeout still counts, so a stalled event loop
    // is not taken for a dead connection.
    const verdict = () => {
      if (answered || !listening) return;
      listening = false;
      subscriber.disconnect(true);
    };
    setTimeout(() => setImmediate(verdict), HEARTBEAT_TIMEOUT_MS).unref();
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    listening: () => listening,
    async publish(message) {
      onInvalidate(message);
      try {
        await publisher.publish(channel, message);
      } catch (err) {
        logger.warn({ err }, 'publishing an invalidation failed; other replicas see it when their cache entry expires');
      }
    },
    async close() {
      // Nothing is heard once close() has resolved, even what is still in the socket's buffer.
      closed = true;
      listening = false;
      clearInterval(heartbeat);
      subscriber.disconnect();
    },
  };
}

export function localInvalidationBus(onInvalidate: (message: string) => void): InvalidationBus {
  let open = true;
  return {
    listening: () => open,
    async publish(message) {
      onInvalidate(message);
    },
    async close() {
      open = false;
    },
  };
}
