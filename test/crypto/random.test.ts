// The pooled random bytes behind token ids and sealing IVs (src/crypto/random.ts): every draw is
// its own, across pool refills, and nothing is handed out twice.
import { describe, expect, it } from 'vitest';
import { pooledRandomBytes } from '../../src/crypto/random.js';

describe('pooledRandomBytes', () => {
  it('hands out distinct draws of the size asked, across many refills of the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const bytes = pooledRandomBytes(i % 2 === 0 ? 32 : 12);
      expect(bytes.length).toBe(i % 2 === 0 ? 32 : 12);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(20_000);
  });

  it('gives each caller a buffer of its own, which the next draw does not change', () => {
    const first = pooledRandomBytes(32);
    const copy = Buffer.from(first);
    for (let i = 0; i < 300; i++) pooledRandomBytes(32);
    expect(first.equals(copy)).toBe(true);
    expect(first.buffer).not.toBe(pooledRandomBytes(32).buffer);
  });

  it('draws bytes that look uniform (no byte value more than twice as common as another)', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 2_000; i++) for (const byte of pooledRandomBytes(32)) counts[byte]!++;
    expect(Math.max(...counts) / Math.min(...counts)).toBeLessThan(2);
  });

  it('serves a draw larger than the pool straight from the generator', () => {
    expect(pooledRandomBytes(10_000).length).toBe(10_000);
  });
});
