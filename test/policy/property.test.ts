// No path escapes the policy: random plans, random callers and random requests driven through
// every path that creates or widens a credential (API-key create and rotate, app registration
// and secret rotation, invitations and role changes, consent, both token decisions). Whatever
// succeeds holds only scopes within the organization's plan and the caller's own reach, judged
// by an oracle written from docs/security.md's table, not from the policy's code.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { KeywardError } from '../../src/lib/errors.js';
import type { Actor } from '../../src/api-keys/service.js';
import type { Grantor } from '../../src/policy/grantor.js';
import type { Role } from '../../src/db/schema.js';
import { MANAGEMENT_RESOURCES, MANAGEMENT_SCOPES, PRODUCT_SCOPES } from '../../src/scopes/catalog.js';
import { expandScopes, scopeGrants } from '../../src/scopes/scope.js';
import { SCOPE_VOCABULARY } from '../../src/scopes/catalog.js';
import { clientCredentialsScopes, userTokenScopes } from '../../src/policy/token-scopes.js';
import { decideScopes } from '../../src/grants/consent-scopes.js';

// A few product resources keep the space small enough for collisions to be common.
const RESOURCES = ['invoices', 'payouts', 'clients'];
const PRODUCT = PRODUCT_SCOPES.filter((s) => RESOURCES.includes(s.split(':')[0]!));
const CONCRETE = [...PRODUCT, ...MANAGEMENT_SCOPES];
const PATTERNS = [...CONCRETE, '*', 'invoices:*', 'api-keys:*', 'members:*', 'oauth-clients:*'];
const RUNS = 100;

/** The plans under test: every subset shape of the product scopes above, as named plans. */
const PLANS: Record<string, string[]> = {
  none: [],
  invoices: ['invoices:read', 'invoices:write'],
  readonly: PRODUCT.filter((s) => s.endsWith(':read')),
  nopayouts: PRODUCT.filter((s) => !s.startsWith('payouts')),
  all: PRODUCT,
};

const isManagement = (scope: string) => (MANAGEMENT_RESOURCES as readonly string[]).includes(scope.split(':')[0]!);

/** The oracle: may this caller hold or hand out the concrete `scope` in an organization on `plan`? */
function mayGrant(scope: string, plan: readonly string[], caller: Grantor): boolean {
  if (!isManagement(scope) && !plan.includes(scope)) return false;
  switch (caller.kind) {
    case 'operator':
      return true;
    case 'credential':
      return scopeGrants(caller.holds, scope);
    case 'user':
      // Through a token, only what the token holds; a management scope only as an admin.
      if (caller.holds && !scopeGrants(caller.holds, scope)) return false;
      return !isManagement(scope) || caller.role === 'admin';
  }
}

function withinReach(scopes: readonly string[], plan: readonly string[], caller: Grantor): boolean {
  return expandScopes(scopes, SCOPE_VOCABULARY).every((scope) => mayGrant(scope, plan, caller));
}

const role = fc.constantFrom<Role>('admin', 'member');
const patterns = fc.subarray(PATTERNS, { maxLength: 6 });
const concrete = fc.subarray(CONCRETE, { maxLength: 6 });
const planName = fc.constantFrom(...Object.keys(PLANS));
const grantor: fc.Arbitrary<Grantor> = fc.oneof(
  fc.constant({ kind: 'operator' as const }),
  patterns.map((holds) => ({ kind: 'credential' as const, holds })),
  fc.record({ kind: fc.constant('user' as const), role, holds: fc.option(patterns, { nil: undefined }) }).map((g) => (g.holds ? g : { kind: g.kind, role: g.role })),
);

/** Refusals a path may answer with; anything else (a 500, a TypeError) fails the property. */
function expectRefusal(err: unknown): void {
  expect(err).toBeInstanceOf(KeywardError);
  expect(['scope_not_allowed', 'insufficient_scope', 'invalid_request', 'invalid_client_metadata', 'access_denied', 'conflict']).toContain((err as KeywardError).code);
}

let server: TestServer;
const orgs: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer({ env: { PLANS: JSON.stringify(PLANS) } });
  for (const name of Object.keys(PLANS)) orgs[name] = await server.createOrg(name);
});
afterAll(() => server.stop());

const actorIn = (plan: string, g: Grantor): Actor => ({ organizationId: orgs[plan]!, id: 'property', grantor: g });
const operatorIn = (plan: string): Actor => actorIn(plan, { kind: 'operator' });

describe('every creation path stays within the plan and the caller', () => {
  it('API keys: create', async () => {
    await fc.assert(
      fc.asyncProperty(planName, grantor, patterns, fc.constantFrom('secret', 'restricted' as const), async (plan, caller, requested, type) => {
        try {
          const { record } = await server.services.keys.create(actorIn(plan, caller), { name: 'p', type, scopes: requested.length ? requested : undefined });
          expect(withinReach(record.scopes, PLANS[plan]!, caller), JSON.stringify({ plan, caller, scopes: record.scopes })).toBe(true);
        } catch (err) {
          expectRefusal(err);
          if ((err as KeywardError).code === 'scope_not_allowed') expect(withinReach(requested, PLANS[plan]!, caller)).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('API keys: rotate (the new key holds the old one\'s scopes)', async () => {
    await fc.assert(
      fc.asyncProperty(planName, grantor, concrete, async (plan, caller, held) => {
        const scopes = held.filter((s) => isManagement(s) || PLANS[plan]!.includes(s));
        if (scopes.length === 0) return;
        const { record: old } = await server.services.keys.create(operatorIn(plan), { name: 'old', type: 'restricted', scopes });
        try {
          const { record } = await server.services.keys.rotate(actorIn(plan, caller), old.id, 0);
          expect(withinReach(record.scopes, PLANS[plan]!, caller)).toBe(true);
        } catch (err) {
          expectRefusal(err);
          expect(withinReach(scopes, PLANS[plan]!, caller)).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('OAuth apps: register', async () => {
    await fc.assert(
      fc.asyncProperty(planName, grantor, fc.option(patterns, { nil: undefined }), async (plan, caller, requested) => {
        try {
          const { client } = await server.services.clients.register(actorIn(plan, caller), {
            name: 'p',
            grantTypes: ['authorization_code'],
            redirectUris: ['https://app.example/cb'],
            scopes: requested,
            isPublic: false,
          });
          const scopes = client.scope.split(' ').filter(Boolean);
          expect(withinReach(scopes, PLANS[plan]!, caller), JSON.stringify({ plan, caller, scopes })).toBe(true);
          // Without a list, an app never gets a management scope by default.
          if (requested === undefined) expect(scopes.some(isManagement)).toBe(false);
        } catch (err) {
          expectRefusal(err);
          if ((err as KeywardError).code === 'scope_not_allowed') expect(withinReach(requested ?? [], PLANS[plan]!, caller)).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('OAuth apps: rotate the secret (whoever holds it holds the app\'s scopes)', async () => {
    await fc.assert(
      fc.asyncProperty(planName, grantor, concrete, async (plan, caller, held) => {
        const scopes = held.filter((s) => isManagement(s) || PLANS[plan]!.includes(s));
        if (scopes.length === 0) return;
        const { client } = await server.services.clients.register(operatorIn(plan), { name: 'm', grantTypes: ['client_credentials'], redirectUris: [], scopes, isPublic: false });
        try {
          await server.services.clients.rotateSecret(actorIn(plan, caller), client.client_id, 0);
          expect(withinReach(scopes, PLANS[plan]!, caller)).toBe(true);
        } catch (err) {
          expectRefusal(err);
          expect(withinReach(scopes, PLANS[plan]!, caller)).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('members: invitations and role changes make admins only for a caller that could grant every management scope', async () => {
    const member = await server.createUser([{ org: orgs.all!, role: 'member' }]);
    await fc.assert(
      fc.asyncProperty(grantor, role, async (caller, wanted) => {
        const couldMakeAdmins = MANAGEMENT_SCOPES.every((scope) => mayGrant(scope, [], caller));
        const actor = actorIn('all', caller);
        for (const change of [
          () => server.services.members.invite(actor, { email: 'someone@example.com', role: wanted }),
          () => server.services.members.changeRole(actor, member.id, wanted),
        ]) {
          try {
            await change();
            expect(wanted === 'member' || couldMakeAdmins).toBe(true);
          } catch (err) {
            expectRefusal(err);
            expect(wanted === 'admin' && !couldMakeAdmins).toBe(true);
          }
        }
        await server.services.members.changeRole(operatorIn('all'), member.id, 'member');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('every token and consent decision stays within the plan, the client and the role', () => {
  const audiences = { product: ['https://api.example/'] as [string], management: 'https://auth.example/v1' };

  it('client credentials: a token carries only what the client holds within the plan, for its audience', () => {
    fc.assert(
      fc.property(planName, concrete, concrete, fc.constantFrom(audiences.product[0], audiences.management), (plan, clientScopes, requested, resource) => {
        const decision = clientCredentialsScopes({ audiences, resource, requested, clientScopes, plan: PLANS[plan]! });
        const caller: Grantor = { kind: 'credential', holds: clientScopes };
        const forResource = (s: string) => isManagement(s) === (resource === audiences.management);
        if (decision.ok) {
          expect(decision.scopes.every((s) => mayGrant(s, PLANS[plan]!, caller) && forResource(s))).toBe(true);
          expect(requested.every((s) => decision.scopes.includes(s))).toBe(true);
        } else {
          expect(requested.some((s) => !mayGrant(s, PLANS[plan]!, caller) || !forResource(s))).toBe(true);
        }
      }),
    );
  });

  it("a user's token and a consent: the plan, the client's registration and the role now", () => {
    fc.assert(
      fc.property(planName, concrete, concrete, role, fc.constantFrom(audiences.product[0], audiences.management), (plan, clientScopes, requested, r, resource) => {
        const caller: Grantor = { kind: 'user', role: r };
        const scopes = userTokenScopes({ audiences, resource, role: r, clientScopes, plan: PLANS[plan]! });
        expect(scopes.every((s) => mayGrant(s, PLANS[plan]!, caller) && clientScopes.includes(s))).toBe(true);
        const consent = decideScopes({ requested, clientAllowed: clientScopes, planScopes: PLANS[plan]!, role: r });
        expect(consent.granted.every((s) => mayGrant(s, PLANS[plan]!, caller) && clientScopes.includes(s) && requested.includes(s))).toBe(true);
        expect(consent.unavailable.every((s) => !mayGrant(s, PLANS[plan]!, caller))).toBe(true);
      }),
    );
  });
});
