// Attempt counters (rate-limiter-flexible): Redis when configured, shared by every replica; in
// memory otherwise, which is one process by construction. An attempt is counted atomically
// before the work it guards (a password hash, a credential lookup), so concurrent attempts
// cannot all slip past a check made before any of them was recorded; a success takes its
// attempt back, so only failures count. docs/security.md ("Limits") has the model.
import { StorageUnavailableError } from '../lib/errors.js';
import type { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface Limit {
  /** What is counted, e.g. `login:ip:<address>`. */
  key: string;
  max: number;
  windowSeconds: number;
}

export interface RateLimiter {
  /**
   * Counts one attempt against every limit, before the work. 0 when every limit had room;
   * otherwise the seconds until the first exhausted one resets (the attempt must not be made).
   */
  consume(limits: Limit[]): Promise<number>;
  /**
   * Takes an attempt back from every limit: it succeeded. A refund after the window ended
   * leaves the new window one below zero (one extra attempt); only a request that succeeded,
   * and outlasted the window, can do that, so it is not checked for (a read per request).
   */
  refund(limits: Limit[]): Promise<void>;
  /** Attempts counted against a limit in its current window. */
  count(limit: Limit): Promise<number>;
}

// A limiter that cannot count must not let the request through uncounted, nor fail as a 500:
// its outage is Redis's, answered 503 like every other store failure (checklist G53).
const storeFailure = (err: unknown): never => {
  throw new StorageUnavailableError('redis', { cause: err });
};

function flexibleLimiter(make: (max: number, windowSeconds: number) => RateLimiterAbstract, keyOf: (limit: Limit) => string = (limit) => limit.key): RateLimiter {
  // One counter per shape of limit; each key is its own window.
  const limiters = new Map<string, RateLimiterAbstract>();
  const limiterFor = (limit: Limit) => {
    const shape = `${limit.max}/${limit.windowSeconds}`;
    let limiter = limiters.get(shape);
    if (!limiter) limiters.set(shape, (limiter = make(limit.max, limit.windowSeconds)));
    return limiter;
  };
  return {
    async consume(limits) {
      const waits = await Promise.all(
        limits.map((limit) =>
          limiterFor(limit)
            .consume(keyOf(limit))
            .then(
              () => 0,
              (rejection: unknown) => (rejection instanceof RateLimiterRes ? Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) : storeFailure(rejection)),
            ),
        ),
      );
      return Math.max(0, ...waits);
    },
    async refund(limits) {
      await Promise.all(limits.map((limit) => limiterFor(limit).reward(keyOf(limit)))).catch(storeFailure);
    },
    async count(limit) {
      const state = await limiterFor(limit).get(keyOf(limit)).catch(storeFailure);
      return state?.consumedPoints ?? 0;
    },
  };
}

export function redisRateLimiter(redis: Redis | Cluster, prefix: string): RateLimiter {
  const make = (max: number, windowSeconds: number) =>
    new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}rl:${max}/${windowSeconds}`, points: max, duration: windowSeconds });
  // Each limiter defines its script on the client when made; one made now defines it before any
  // request, so an automatic pipeline made before the first limit of a new shape has it too
  // (compose/redis.ts).
  make(1, 1);
  // Each key is its own hash tag, so every command touches one slot of a Redis Cluster.
  return flexibleLimiter(make, (limit) => `{${limit.key}}`);
}

export function memoryRateLimiter(): RateLimiter {
  return flexibleLimiter((max, windowSeconds) => new RateLimiterMemory({ points: max, duration: windowSeconds }));
}
