// @keyward/verify carries its own copy of the scope grammar (it is installed without the server);
// here it runs beside the server's src/scopes on generated scopes, and must agree with it: the
// same canonical spelling or the same refusal, and the same grant for every held list.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseScope, scopeGrants as serverScopeGrants } from '../../src/scopes/scope.js';
import { ACTIONS, DEFAULT_RESOURCES, MANAGEMENT_RESOURCES } from '../../src/scopes/catalog.js';
import { canonicalScope, DEFAULT_RESOURCES as KIT_RESOURCES, scopeGrants } from '../../packages/verify/src/scope-grammar.js';
import { hasScope } from '../../packages/verify/src/scopes.js';
import type { Principal } from '../../packages/verify/src/verifier.js';

const serverCanonical = (raw: string, resources: readonly string[]) => {
  try {
    return normaliseScope(raw, { resources });
  } catch {
    return undefined;
  }
};

const resource = fc.constantFrom(...DEFAULT_RESOURCES, ...MANAGEMENT_RESOURCES, 'widgets', '*', '', 'Clients', 'client');
const action = fc.constantFrom(...ACTIONS, 'create', 'update', 'delete', '*', 'admin', '', 'READ');
const scope = fc.oneof(
  fc.tuple(resource, action).map(([r, a]) => `${r}:${a}`),
  fc.tuple(resource, action).map(([r, a]) => `${a}:${r}`),
  fc.tuple(resource, action).map(([r, a]) => `${r}.${a}`),
  fc.tuple(resource, action, fc.constantFrom(' ', '\t', '')).map(([r, a, pad]) => `${pad}${r}:${a}${pad}`),
  fc.constantFrom('*', ' * ', '*:*', '::', '.', 'clients:read:write', 'clients.read.x', 'clients:read.x', ':read', 'clients:'),
  fc.string({ maxLength: 40 }),
);
// The default catalog, or a smaller or different one, as a server's configuration may name.
const resources = fc.oneof(fc.constant(DEFAULT_RESOURCES), fc.subarray([...DEFAULT_RESOURCES, 'widgets']));
const principal = (scopes: string[]): Principal => ({ subject: 's', organizationId: 'o', scopes, credential: 'api_key' });

describe("the kit's scope grammar agrees with the server's", () => {
  it('knows the same default resources', () => {
    expect(KIT_RESOURCES).toEqual(DEFAULT_RESOURCES);
  });

  it('reads every spelling as the server does: the same canonical scope, or neither accepts it', () => {
    fc.assert(
      fc.property(scope, resources, (raw, known) => {
        expect(canonicalScope(raw, known), JSON.stringify({ raw, known })).toBe(serverCanonical(raw, known));
      }),
      { numRuns: 5000 },
    );
  });

  it('grants what the server grants, for any held list and required scope', () => {
    fc.assert(
      fc.property(fc.array(scope, { maxLength: 5 }), scope, (held, required) => {
        expect(scopeGrants(held, required), JSON.stringify({ held, required })).toBe(serverScopeGrants(held, required));
      }),
      { numRuns: 5000 },
    );
  });

  it('hasScope is the server grammar applied to what a principal holds, whatever the spelling', () => {
    // What hasScope meant when it imported the server's grammar: canonical where possible,
    // compared as written where not.
    const asServer = (held: string[], required: string, known: readonly string[]) =>
      serverScopeGrants(held.map((s) => serverCanonical(s, known) ?? s), serverCanonical(required, known) ?? required);
    let granted = 0;
    fc.assert(
      fc.property(fc.array(scope, { maxLength: 5 }), scope, resources, (held, required, known) => {
        const context = JSON.stringify({ held, required, known });
        const grants = hasScope(principal(held), required, known);
        expect(grants, context).toBe(asServer(held, required, known));
        expect(hasScope(principal(held), required), context).toBe(asServer(held, required, DEFAULT_RESOURCES));
        if (grants) granted++;
      }),
      { numRuns: 5000 },
    );
    expect(granted, 'the generated lists grant often enough to compare grants, not only refusals').toBeGreaterThan(100);
  });
});
