// One contract for every attempt counter Keyward ships (in memory, Redis, Redis Cluster): what
// the login, credential and API-key limits rely on, checked against each implementation.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Limit, RateLimiter } from '../../src/rate-limit/limiter.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// A key of its own per limit, so the tests share one limiter without sharing counters.
const newKey = () => `test:${randomBytes(6).toString('hex')}`;
const limit = (max: number, windowSeconds = 60, key = newKey()): Limit => ({ key, max, windowSeconds });

export function rateLimiterContract(name: string, make: () => RateLimiter) {
  describe(`${name} rate limiter contract`, () => {
    const limiter = make();

    it('lets max attempts through and refuses the next with a wait within the window', async () => {
      const login = limit(3, 30);
      for (let i = 0; i < 3; i++) expect(await limiter.consume([login])).toBe(0);
      const wait = await limiter.consume([login]);
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(30);
    });

    it('lets exactly max of many concurrent attempts through', async () => {
      // A check made before recording would let all 50 pass: the count must be atomic.
      const login = limit(5);
      const waits = await Promise.all(Array.from({ length: 50 }, () => limiter.consume([login])));
      expect(waits.filter((wait) => wait === 0)).toHaveLength(5);
    });

    it('refuses an attempt when any of its limits is exhausted, and counts it against all of them', async () => {
      const perAddress = limit(1, 10);
      const perAccount = limit(5, 600);
      expect(await limiter.consume([perAddress])).toBe(0);
      // The exhausted limit first: the limits after it are counted all the same.
      const wait = await limiter.consume([perAddress, perAccount]);
      // The wait is the exhausted limit's, not the longest window's.
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(10);
      expect(await limiter.count(perAccount)).toBe(1);
      expect(await limiter.count(perAddress)).toBe(2);
    });

    it('takes an attempt back from every limit on refund, so a success does not count', async () => {
      const perAddress = limit(2);
      const perAccount = limit(2);
      expect(await limiter.consume([perAddress, perAccount])).toBe(0);
      await limiter.refund([perAddress, perAccount]);
      expect(await limiter.count(perAddress)).toBe(0);
      expect(await limiter.count(perAccount)).toBe(0);
      expect(await limiter.consume([perAddress])).toBe(0);
      expect(await limiter.consume([perAddress])).toBe(0);
      expect(await limiter.consume([perAddress])).toBeGreaterThan(0);
    });

    it('counts the attempts made in the current window', async () => {
      const login = limit(10);
      expect(await limiter.count(login)).toBe(0);
      await limiter.consume([login]);
      await limiter.consume([login]);
      expect(await limiter.count(login)).toBe(2);
    });

    it('keeps keys apart', async () => {
      const attacker = limit(1);
      const bystander = limit(1);
      await limiter.consume([attacker]);
      expect(await limiter.consume([attacker])).toBeGreaterThan(0);
      expect(await limiter.consume([bystander])).toBe(0);
      expect(await limiter.count(bystander)).toBe(1);
    });

    it('keeps limits of the same key but another max or window apart', async () => {
      const key = newKey();
      const strict = limit(1, 60, key);
      await limiter.consume([strict]);
      expect(await limiter.consume([strict])).toBeGreaterThan(0);
      expect(await limiter.consume([limit(3, 60, key)])).toBe(0);
      expect(await limiter.consume([limit(1, 30, key)])).toBe(0);
      expect(await limiter.count(limit(3, 60, key))).toBe(1);
    });

    it('forgets attempts once their window has passed', async () => {
      const login = limit(1, 1);
      expect(await limiter.consume([login])).toBe(0);
      expect(await limiter.consume([login])).toBe(1);
      await sleep(1100);
      expect(await limiter.count(login)).toBe(0);
      expect(await limiter.consume([login])).toBe(0);
    });
  });
}
