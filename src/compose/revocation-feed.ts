// The revocation feed and the caches it keeps current on every replica: API-key verification,
// the policy's plan and role lookups, the client registry (feed/bus.ts).
import type { Cluster, Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { ApiKeyVerifier } from '../api-keys/verifier.js';
import { lastUsedRecorder } from '../api-keys/last-used.js';
import { feedChannel, localInvalidationBus, redisInvalidationBus, type InvalidationBus } from '../feed/bus.js';
import { PolicyLookups } from '../policy/lookups.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RegistryServices } from './registry.js';
import type { Closer } from './closers.js';
import { subscriberFor } from './redis.js';

/**
 * API-key verification with its cache, and the revocation feed that keeps it and the policy's
 * lookups current on every replica (feed/bus.ts).
 */
export async function buildRevocationFeed(config: Config, base: RegistryServices, redis: Redis | Cluster | undefined, metrics: Metrics, closers: Closer[]) {
  const { db } = base.database;
  const lastUsed = lastUsedRecorder(db, base.logger);
  closers.unshift(() => lastUsed.close());
  // The verifier and the lookups ask the feed (made next, around them) whether it hears.
  const hears = () => feed.listening();
  const verifier = new ApiKeyVerifier(db, base.keyring.pepper, config.apiKeyLabels, lastUsed.touch, metrics.apiKeyVerified, hears);
  const lookups = new PolicyLookups(db, config.plans, hears);
  // Policy and client messages carry a colon; anything else is an API key's hash.
  const invalidate = (message: string) => {
    if (!lookups.invalidate(message) && !base.registry.applyChange(message)) verifier.invalidate(message);
  };
  const forgetAll = () => {
    verifier.forgetAll();
    lookups.forgetAll();
    base.registry.forgetAll();
  };
  const feed: InvalidationBus = redis
    ? await redisInvalidationBus(subscriberFor(redis, config), redis, feedChannel(config.redisKeyPrefix), invalidate, forgetAll, base.logger)
    : localInvalidationBus(invalidate);
  closers.unshift(() => feed.close());
  return { verifier, lookups, feed, flushUsage: () => lastUsed.flush() };
}
