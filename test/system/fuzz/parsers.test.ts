// Property-based fuzzing of the parsers every request goes through: whatever the input, they
// answer with a value or their own typed refusal, never anything else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseScope, ScopeSyntaxError, scopeGrants } from '../../../src/scopes/scope.js';
import { DEFAULT_RESOURCES } from '../../../src/scopes/catalog.js';
import { generateApiKey, parseApiKey } from '../../../src/api-keys/format.js';
import { compileAllowlist, parseAllowlist } from '../../../src/api-keys/ip-allowlist.js';
import { KeywardError } from '../../../src/lib/errors.js';
import { scopeFromRequest } from '../../../packages/verify/src/scopes.js';
import { MANAGEMENT_SCOPES } from '../../../src/scopes/catalog.js';

const labels = { type: { secret: 'sk', publishable: 'pk', restricted: 'rk' }, mode: { live: 'live', test: 'test' } } as const;
const vocabulary = { resources: DEFAULT_RESOURCES };
const hostile = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom('', ' ', '\u0000', '../../', '%00', '\r\nSet-Cookie: x=1', '*:*', '::', '.', 'clients:read:write', '٣:read', 'ｃｌｉｅｎｔｓ:read'),
);

describe('fuzzing the parsers', () => {
  it('scopes: a canonical scope or a ScopeSyntaxError, and canonical forms are stable', () => {
    fc.assert(
      fc.property(hostile, (raw) => {
        try {
          const canonical = normaliseScope(raw, vocabulary);
          expect(normaliseScope(canonical, vocabulary)).toBe(canonical);
          expect(canonical === '*' || /^[a-z-]+:(read|write|\*)$/.test(canonical)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(ScopeSyntaxError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('scope checks never grant management scopes through * and never throw', () => {
    // Held lists mix hostile strings with wildcards and product scopes, so `*` is held often.
    const held = fc.array(fc.oneof(hostile, fc.constantFrom('*', 'invoices:*', 'clients:read', '*:*')), { maxLength: 5 });
    const management = fc.constantFrom(...MANAGEMENT_SCOPES, 'api-keys:create', 'members:delete');
    let withStar = 0;
    fc.assert(
      fc.property(held, hostile, management, (list, required, managed) => {
        expect(typeof scopeGrants(list, required)).toBe('boolean');
        if (list.includes('*')) withStar++;
        const holdsManagement = list.some((s) => s.startsWith(`${managed.split(':')[0]}:`));
        if (!holdsManagement) expect(scopeGrants(list, managed), JSON.stringify({ list, managed })).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(withStar).toBeGreaterThan(200);
  });

  it('API keys: only well-formed keys with a valid checksum parse', () => {
    const valid = generateApiKey(labels, 'secret', 'live').key;
    fc.assert(
      fc.property(hostile, fc.nat({ max: valid.length - 1 }), fc.string({ minLength: 1, maxLength: 1 }), (raw, at, c) => {
        expect(parseApiKey(raw, labels).ok).toBe(false);
        const mutated = valid.slice(0, at) + c + valid.slice(at + 1);
        if (mutated !== valid) expect(parseApiKey(mutated, labels).ok).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('IP allowlists: parsed entries or a KeywardError; compiled lists never throw on any address', () => {
    const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), hostile);
    const entry = fc.oneof(address, fc.tuple(address, fc.integer({ min: -5, max: 200 })).map(([a, p]) => `${a}/${p}`));
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), address, (entries, probe) => {
        let parsed: string[];
        try {
          parsed = parseAllowlist(entries);
        } catch (err) {
          expect(err).toBeInstanceOf(KeywardError);
          return;
        }
        expect(typeof compileAllowlist(parsed)(probe)).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });

  it('routes map to a scope string without throwing', () => {
    fc.assert(
      fc.property(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'x'), hostile, (method, path) => {
        expect(typeof scopeFromRequest(method, path)).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});
