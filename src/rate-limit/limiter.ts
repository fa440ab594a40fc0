// Fixed-window failure counters: login failures per account and per IP. Redis when configured
// (shared by every replica); in memory in embedded mode, which is one process by construction.
import type { Cluster, Redis } from 'ioredis';
import { StorageUnavailableError } from '../storage-unavailable.js';

export interface Limit {
  key: string;
  max: number;
  windowSeconds: number;
}

export interface RateLimiter {
  /** Seconds until the first exhausted limit resets, or 0 when every limit has room. */
  blockedFor(limits: Limit[]): Promise<number>;
  /** Counts one failure against every limit. */
  record(limits: Limit[]): Promise<void>;
}

// A limiter that cannot count must not let the request through uncounted, nor fail as a 500:
// its outage is Redis's, answered 503 like every other store failure (checklist G53).
const storeFailure = (err: unknown): never => {
  throw new StorageUnavailableError('redis', { cause: err });
};

export function redisRateLimiter(redis: Redis | Cluster, prefix: string): RateLimiter {
  const key = (limit: Limit) => `${prefix}rl:{${limit.key}}`;
  return {
    async blockedFor(limits) {
      const waits = await Promise.all(
        limits.map(async (limit) => {
          const [count, ttl] = await Promise.all([redis.get(key(limit)), redis.ttl(key(limit))]);
          return Number(count ?? 0) >= limit.max ? Math.max(ttl, 1) : 0;
        }),
      ).catch(storeFailure);
      return Math.max(0, ...waits);
    },
    async record(limits) {
      await Promise.all(
        limits.map((limit) => redis.multi().incr(key(limit)).expire(key(limit), limit.windowSeconds, 'NX').exec()),
      ).catch(storeFailure);
    },
  };
}

export function memoryRateLimiter(now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const current = (limit: Limit) => {
    const entry = windows.get(limit.key);
    if (entry && entry.resetAt > now()) return entry;
    windows.delete(limit.key);
    return undefined;
  };
  return {
    async blockedFor(limits) {
      const waits = limits.map((limit) => {
        const entry = current(limit);
        return entry && entry.count >= limit.max ? Math.ceil((entry.resetAt - now()) / 1000) : 0;
      });
      return Math.max(0, ...waits);
    },
    async record(limits) {
      for (const limit of limits) {
        const entry = current(limit) ?? { count: 0, resetAt: now() + limit.windowSeconds * 1000 };
        entry.count += 1;
        windows.set(limit.key, entry);
      }
      // Bounded: expired windows are dropped once the map grows.
      if (windows.size > 100_000) for (const [k, e] of windows) if (e.resetAt <= now()) windows.delete(k);
    },
  };
}
