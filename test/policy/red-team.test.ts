// What a red-team pass found against the first version of the policy, one test each: an app
// consented members:write alone making its vendor an admin, an app minting keys with product
// scopes it was never registered for, a plan downgrade leaving keys wider than the plan, a
// removed and re-added member getting old tokens back, a deleted app's tokens staying alive,
// and a NUL byte in an invitation's email answering 500.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeExchange } from '../helpers/oauth-flow.js';
import { api, operatorKey } from '../management/helpers.js';
import { runCommand } from '../../src/operator/commands.js';
import { adminKey, bearer, expectError, introspect, refresh, scopesOf, type Client } from './flows.js';

const REDIRECT = 'https://app.example/cb';
let server: TestServer;
let vendor: string;
/** A third-party app registered for some management scopes and one product scope. */
let app: Client;
let resourceServer: Client;

beforeAll(async () => {
  server = await startTestServer();
  vendor = await server.createOrg('council');
  app = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'members:write api-keys:write invoices:read' });
  resourceServer = await server.createClient({ org: vendor, grants: ['client_credentials'], scope: 'invoices:read', introspect: true });
});
afterAll(() => server.stop());

async function adminToken(org: string, scope: string) {
  const admin = await server.createUser([org]);
  const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope, user: admin });
  expect(scopesOf(token.body)).toEqual(scope.split(' '));
  return String(token.body.access_token);
}

it("an admin's token holding members:write alone neither invites nor promotes an admin", async () => {
  const org = await server.createOrg('council');
  const member = await server.createUser([{ org, role: 'member' }]);
  const outsider = await server.createUser([{ org: vendor, role: 'member' }]);
  const token = await adminToken(org, 'members:write');
  expectError(await api(server, 'POST', '/v1/members', undefined, { email: outsider.email, role: 'admin' }, bearer(token)), 403, 'insufficient_scope', 'invite an admin');
  expectError(await api(server, 'POST', `/v1/members/${member.id}`, undefined, { role: 'admin' }, bearer(token)), 403, 'insufficient_scope', 'promote');
  expect((await api(server, 'POST', '/v1/members', undefined, { email: outsider.email }, bearer(token))).status).toBe(201);
});

it("an app's management token hands out only the product scopes the app is registered with", async () => {
  const org = await server.createOrg('council');
  const token = await adminToken(org, 'api-keys:write');
  expectError(await api(server, 'POST', '/v1/api-keys', undefined, { name: 'x', scopes: ['payouts:write'] }, bearer(token)), 422, 'scope_not_allowed');
  const created = await api(server, 'POST', '/v1/api-keys', undefined, { name: 'x' }, bearer(token));
  expect(created.status).toBe(201);
  expect(created.body.scopes).toEqual(['invoices:read']);
});

it("a plan downgrade narrows existing API keys to the new plan at once", async () => {
  const org = await server.createOrg('council');
  const key = await operatorKey(server, org, ['payouts:read', 'invoices:read']);
  expect((await introspect(server, resourceServer, key.key)).body.scope).toBe('payouts:read invoices:read');
  await runCommand(server.services, { name: 'org.set-plan', org, plan: 'pro' });
  expect((await introspect(server, resourceServer, key.key)).body).toMatchObject({ active: true, scope: 'invoices:read' });
});

it('a member removed and added again does not get the tokens issued before the removal back', async () => {
  const org = await server.createOrg('council');
  const user = await server.createUser([org]);
  const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user });
  const accessToken = String(token.body.access_token);
  expect((await api(server, 'DELETE', `/v1/members/${user.id}`, (await adminKey(server, org)).key)).status).toBe(200);
  // Memberships count whole seconds: a token and a membership of the same second are not told apart.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await runCommand(server.services, { name: 'member.add', org, email: user.email, role: 'member' });
  expect((await introspect(server, resourceServer, accessToken)).body).toEqual({ active: false });
  expect((await introspect(server, resourceServer, String(token.body.refresh_token))).body).toEqual({ active: false });
  expectError(await refresh(server, app, String(token.body.refresh_token)), 400, 'invalid_grant');
  // A new authorization works as usual.
  expect((await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user })).token.status).toBe(200);
});

it("deleting an app ends its users' tokens at introspection and at /v1", async () => {
  const doomed = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'api-keys:write invoices:read' });
  const org = await server.createOrg('council');
  const user = await server.createUser([org]);
  const { token } = await codeExchange(server, doomed, { redirectUri: REDIRECT, scope: 'api-keys:write', user });
  const accessToken = String(token.body.access_token);
  expect((await api(server, 'DELETE', `/v1/oauth-clients/${doomed.clientId}`, (await adminKey(server, vendor)).key)).status).toBe(200);
  expect((await introspect(server, resourceServer, accessToken)).body).toEqual({ active: false });
  expectError(await api(server, 'POST', '/v1/api-keys', undefined, { name: 'x', scopes: ['invoices:read'] }, bearer(accessToken)), 401, 'invalid_token');
});

it('answers 400, not 500, for an invitation email carrying a control character', async () => {
  const org = await server.createOrg('council');
  const admin = await adminKey(server, org);
  for (const email of ['a\u0000b@example.com', 'a\u0007b@example.com', 'ab@exa\u007fmple.com']) {
    expectError(await api(server, 'POST', '/v1/members', admin.key, { email }), 400, 'invalid_request', JSON.stringify(email));
  }
});
