import { describe, expect, it } from 'vitest';
import { generateApiKey, keyPattern, parseApiKey } from '../../src/api-keys/format.js';

const labels = { type: { secret: 'sk', publishable: 'pk', restricted: 'rk' }, mode: { live: 'live', test: 'test' } } as const;

describe('API key format', () => {
  it('issues <type>_<mode>_<secret><check> keys that parse back (checklist F46)', () => {
    const { key, prefix, last4 } = generateApiKey(labels, 'restricted', 'test');
    expect(key).toMatch(/^rk_test_[0-9A-Za-z]{49}$/);
    expect(prefix).toBe(key.slice(0, 12));
    expect(last4).toBe(key.slice(-4));
    expect(parseApiKey(key, labels)).toEqual({ ok: true, type: 'restricted', mode: 'test' });
    expect(keyPattern(labels).test(`token=${key};`)).toBe(true);
  });

  it('refuses any single-character change: the checksum catches typos (checklist F46)', () => {
    const { key } = generateApiKey(labels, 'secret', 'live');
    for (const i of [8, 20, 40, key.length - 1]) {
      const c = key[i] === 'a' ? 'b' : 'a';
      expect(parseApiKey(key.slice(0, i) + c + key.slice(i + 1), labels).ok).toBe(false);
    }
  });

  it('refuses unknown labels, wrong lengths and foreign characters', () => {
    const { key } = generateApiKey(labels, 'secret', 'live');
    expect(parseApiKey(key.replace('sk_', 'xk_'), labels).ok).toBe(false);
    expect(parseApiKey(key.slice(0, -1), labels).ok).toBe(false);
    expect(parseApiKey(`${key}x`, labels).ok).toBe(false);
    expect(parseApiKey(key.replace(/.$/, '-'), labels).ok).toBe(false);
    expect(parseApiKey('', labels).ok).toBe(false);
    expect(parseApiKey('x'.repeat(10_000), labels).ok).toBe(false);
  });

  it('honours configured labels (cf_live_, cf_sand_)', () => {
    const custom = { type: { secret: 'cf', publishable: 'cfp', restricted: 'cfr' }, mode: { live: 'live', test: 'sand' } };
    const { key } = generateApiKey(custom, 'secret', 'test');
    expect(key.startsWith('cf_sand_')).toBe(true);
    expect(parseApiKey(key, custom)).toEqual({ ok: true, type: 'secret', mode: 'test' });
    expect(parseApiKey(key, labels).ok).toBe(false);
  });

  it('has 256 bits of secret: 43 base62 characters', () => {
    expect(43 * Math.log2(62)).toBeGreaterThanOrEqual(256);
    const seen = new Set(Array.from({ length: 1000 }, () => generateApiKey(labels, 'secret', 'live').key));
    expect(seen.size).toBe(1000);
  });
});
