// The authorization-soundness observations, one test each, black box: real Postgres, Redis
// and HTTP. Management scopes (api-keys, oauth-clients, members, organizations) live on their
// own audience, `${issuer}/v1`, which is the only one /v1 accepts; no credential hands out more
// than it holds or than its organization's plan allows; membership and role changes take
// effect on tokens at once.
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { authorize, basic, BrowserSession, codeExchange, csrfOf, formAction, pkcePair, postForm, type TestUser } from '../helpers/oauth-flow.js';
import { api, operatorKey } from '../management/helpers.js';
import { runCommand } from '../../src/operator/commands.js';
import {
  adminKey,
  bearer,
  clientCredentials,
  expectError,
  fieldValues,
  formHtml,
  introspect,
  offeredOrganizations,
  pageAfter,
  refresh,
  scopesOf,
  signIn,
  type Client,
  type SecretMethod,
} from './flows.js';

const REDIRECT = 'https://app.example/cb';
const PRODUCT_AUDIENCE = 'https://api.example.com/';

let server: TestServer;
/** A third-party app (owned by a vendor organization) asking to manage API keys (for invoices). */
let managementApp: Client;
/** A third-party app asking for product data only. */
let productApp: Client;
/** A resource server: may introspect every token. */
let resourceServer: Client;

beforeAll(async () => {
  server = await startTestServer();
  const vendor = await server.createOrg('council');
  managementApp = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'api-keys:read api-keys:write invoices:read' });
  productApp = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read' });
  resourceServer = await server.createClient({ org: vendor, grants: ['client_credentials'], scope: 'invoices:read', introspect: true });
});
afterAll(() => server.stop());

/** An access and refresh token for `user` through `app`'s consent, with no `resource`. */
async function userTokens(app: Client, user: TestUser, scope: string) {
  const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope, user });
  expect(token.status, JSON.stringify(token.body)).toBe(200);
  return { accessToken: String(token.body.access_token), refreshToken: String(token.body.refresh_token) };
}

/** What a management token is for: creating an API key in its organization. */
function createKeyWith(accessToken: string) {
  return api(server, 'POST', '/v1/api-keys', undefined, { name: 'k', scopes: ['invoices:read'] }, bearer(accessToken));
}

/** The `data` of a /v1 list answer. */
function dataOf(list: { body: Record<string, unknown> }): Array<Record<string, unknown>> {
  return list.body.data as Array<Record<string, unknown>>;
}

it('1 escalation through OAuth apps: a key holding only oauth-clients:write cannot register an app with scopes it does not hold, nor take over the operator\'s apps', async () => {
  const org = await server.createOrg('pro');
  const writer = await operatorKey(server, org, ['oauth-clients:write']);
  const reader = await operatorKey(server, org, ['oauth-clients:read']);

  const escalating = await api(server, 'POST', '/v1/oauth-clients', writer.key, {
    name: 'x',
    grant_types: ['client_credentials'],
    scopes: ['api-keys:read', 'api-keys:write', 'members:write', 'payouts:write'],
  });
  expectError(escalating, 422, 'scope_not_allowed');
  const apps = await api(server, 'GET', '/v1/oauth-clients?limit=100', reader.key);
  expect(dataOf(apps).map((app) => app.name)).not.toContain('x');

  // Without `scopes`, an app gets what its creator holds: never every product scope, never management.
  const invoiceWriter = await operatorKey(server, org, ['oauth-clients:write', 'invoices:read']);
  const defaulted = await api(server, 'POST', '/v1/oauth-clients', invoiceWriter.key, { name: 'y', grant_types: ['client_credentials'] });
  expect(defaulted.status).toBe(201);
  expect(defaulted.body.scopes).toEqual(['invoices:read']);

  // The operator's resource server (it may introspect every token) is out of the key's reach.
  const operators = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read', introspect: true });
  expectError(await api(server, 'POST', `/v1/oauth-clients/${operators.clientId}/rotate-secret`, writer.key, {}), 403, 'access_denied', 'rotate-secret');
  expectError(await api(server, 'DELETE', `/v1/oauth-clients/${operators.clientId}`, writer.key), 403, 'access_denied', 'delete');
  expect((await clientCredentials(server, operators, { scope: 'invoices:read' })).status).toBe(200);
});

it("2 plans bound client credentials: no client is registered beyond its organization's plan, and a plan change takes effect at the next token request", async () => {
  const pro = await server.createOrg('pro');
  await expect(
    runCommand(server.services, { name: 'client.create', org: pro, clientName: 'p', grants: ['client_credentials'], redirectUris: [], scope: 'payouts:read', isPublic: false, introspect: false }),
  ).rejects.toMatchObject({ name: 'KeywardError', code: 'scope_not_allowed' });
  const registrar = await operatorKey(server, pro, ['oauth-clients:write', 'invoices:read']);
  expectError(await api(server, 'POST', '/v1/oauth-clients', registrar.key, { name: 'p', grant_types: ['client_credentials'], scopes: ['payouts:read'] }), 422, 'scope_not_allowed');

  const org = await server.createOrg('council');
  const scope = 'invoices:read payouts:read';
  const clients: Record<SecretMethod, Client> = {
    client_secret_basic: await server.createClient({ org, grants: ['client_credentials'], scope }),
    client_secret_post: await server.createClient({ org, grants: ['client_credentials'], scope, authMethod: 'client_secret_post' }),
  };
  const moved = await runCommand(server.services, { name: 'org.set-plan', org, plan: 'pro' });
  expect(moved).toMatchObject({ id: org, plan: 'pro' });
  for (const [method, client] of Object.entries(clients) as Array<[SecretMethod, Client]>) {
    expectError(await clientCredentials(server, client, { scope: 'payouts:read' }, method), 400, 'invalid_scope', `payouts:read with ${method}`);
    expect((await clientCredentials(server, client, { scope: 'invoices:read' }, method)).status, `invoices:read with ${method}`).toBe(200);
  }
});

it('3 members:write makes admins: only a credential holding every management scope makes an admin, and consent never grants a plain member a management scope', async () => {
  const org = await server.createOrg('pro');
  const candidate = await server.createUser([]);
  const membersWriter = await operatorKey(server, org, ['members:write']);
  expectError(await api(server, 'POST', '/v1/members', membersWriter.key, { email: candidate.email, role: 'admin' }), 403, 'insufficient_scope');

  // A plain member's consent lists api-keys:write as unavailable, and a token, if any, lacks it.
  const member = await server.createUser([{ org, role: 'member' }]);
  const session = new BrowserSession(server);
  const { verifier, challenge } = pkcePair();
  const redirect = await authorize(server, { clientId: managementApp.clientId, redirectUri: REDIRECT, scope: 'api-keys:write', user: member, challenge }, session);
  const consent = session.pages.find((page) => formAction(page.html, 'confirm'));
  expect(consent?.html).toMatch(/Not available to[\s\S]*<code>api-keys:write<\/code>/);
  const code = redirect.searchParams.get('code');
  if (code) {
    const token = await postForm(server, '/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, {
      authorization: basic(managementApp.clientId, managementApp.clientSecret),
    });
    expect(scopesOf(token.body)).not.toContain('api-keys:write');
  }

  const promoted = await api(server, 'POST', '/v1/members', (await adminKey(server, org)).key, { email: candidate.email, role: 'admin' });
  expect(promoted.status).toBe(201);
  expect(promoted.body.role).toBe('admin');
});

it('4 strangers added by email: adding an email invites it; the user accepts at sign-in and only then belongs to the organization', async () => {
  const home = await server.createOrg('pro');
  const inviting = await server.createOrg('pro');
  const stranger = await server.createUser([{ org: home, role: 'member' }]);
  const colleague = await server.createUser([inviting]);
  const admin = await adminKey(server, inviting);

  const invited = await api(server, 'POST', '/v1/members', admin.key, { email: stranger.email });
  expect(invited.status).toBe(201);
  expect(invited.body).toMatchObject({ object: 'invitation', status: 'invited', email: stranger.email, role: 'member', organization_id: inviting });
  expect(String(invited.body.id)).toMatch(/^inv_/);
  // An address without an account gets the same answer: the API does not tell who has one.
  const nobody = await api(server, 'POST', '/v1/members', admin.key, { email: `nobody-${randomBytes(6).toString('hex')}@example.com` });
  expect(nobody.status).toBe(201);
  expect(Object.keys(nobody.body).sort()).toEqual(Object.keys(invited.body).sort());

  const listed = dataOf(await api(server, 'GET', '/v1/members', admin.key));
  expect(listed).toContainEqual(expect.objectContaining({ email: stranger.email, status: 'invited' }));
  expect(listed).toContainEqual(expect.objectContaining({ email: colleague.email, status: 'active' }));

  // The picker shows the pending invitation beside the user's one organization, and offers only that one.
  const session = new BrowserSession(server);
  const picker = await signIn(server, session, { clientId: productApp.clientId, redirectUri: REDIRECT, scope: 'invoices:read', user: stranger });
  const invitationForm = formHtml(picker.html, 'invitation');
  expect(formAction(picker.html, 'invitation')).toBe(`/interaction/${picker.uid}/invitation`);
  expect(fieldValues(invitationForm, 'csrf')).toHaveLength(1);
  expect(fieldValues(invitationForm, 'invitation_id')).toEqual([invited.body.id]);
  expect(offeredOrganizations(picker.html)).toEqual([home]);

  const accepted = await session.post(`/interaction/${picker.uid}/invitation`, { csrf: csrfOf(picker.html), invitation_id: String(invited.body.id) });
  expect(accepted.status).toBe(303);
  expect(new URL(accepted.headers.get('location')!, server.url).pathname).toBe(`/interaction/${picker.uid}`);
  const afterwards = await pageAfter(server, session, accepted);
  expect(offeredOrganizations(afterwards.html).sort()).toEqual([home, inviting].sort());
  const members = dataOf(await api(server, 'GET', '/v1/members', admin.key));
  expect(members).toContainEqual(expect.objectContaining({ email: stranger.email, status: 'active', role: 'member' }));
});

it("5 demotion does not narrow grants: demoting an admin takes management scopes from their access tokens and refreshes at once", async () => {
  const org = await server.createOrg('council');
  const user = await server.createUser([org]);
  const tokens = await userTokens(managementApp, user, 'api-keys:write');
  expect((await createKeyWith(tokens.accessToken)).status).toBe(201);

  const demoted = await api(server, 'POST', `/v1/members/${user.id}`, (await adminKey(server, org)).key, { role: 'member' });
  expect(demoted.status).toBe(200);
  expect(demoted.body.role).toBe('member');

  expectError(await createKeyWith(tokens.accessToken), 403, 'insufficient_scope');
  const first = await refresh(server, managementApp, tokens.refreshToken);
  expect(first.status).toBe(200);
  expect(scopesOf(first.body)).not.toContain('api-keys:write');
  const second = await refresh(server, managementApp, String(first.body.refresh_token));
  expect(scopesOf(second.body)).not.toContain('api-keys:write');
});

it('6 removal leaves /v1 open: removing a member ends their tokens at /v1, introspection, userinfo and refresh at once', async () => {
  const org = await server.createOrg('council');
  const user = await server.createUser([org]);
  const management = await userTokens(managementApp, user, 'api-keys:write');
  const product = await userTokens(productApp, user, 'invoices:read');
  expect((await createKeyWith(management.accessToken)).status).toBe(201);
  expect((await fetch(`${server.url}/oauth2/userinfo`, { headers: bearer(product.accessToken) })).status).toBe(200);

  expect((await api(server, 'DELETE', `/v1/members/${user.id}`, (await adminKey(server, org)).key)).status).toBe(200);

  expectError(await createKeyWith(management.accessToken), 401, 'invalid_token');
  expect((await introspect(server, resourceServer, management.accessToken)).body).toEqual({ active: false });
  expect((await fetch(`${server.url}/oauth2/userinfo`, { headers: bearer(product.accessToken) })).status).toBe(401);
  expectError(await refresh(server, managementApp, management.refreshToken), 400, 'invalid_grant');
});

describe('with RESOURCE_AUDIENCE set', () => {
  let keyward: TestServer;
  beforeAll(async () => {
    keyward = await startTestServer({ env: { RESOURCE_AUDIENCE: PRODUCT_AUDIENCE } });
  });
  afterAll(() => keyward.stop());

  it('7 /v1 ignores the audience: /v1 accepts only management-audience tokens, and a token never mixes management and product scopes', async () => {
    const org = await keyward.createOrg('council');
    const client = await keyward.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read api-keys:read' });
    const token = (params: Record<string, string>) => clientCredentials(keyward, client, params);
    const listKeys = (accessToken: string) => api(keyward, 'GET', '/v1/api-keys', undefined, undefined, bearer(accessToken));

    const product = await token({ scope: 'invoices:read' });
    expect(decodeJwt(String(product.body.access_token)).aud).toBe(PRODUCT_AUDIENCE);
    expectError(await listKeys(String(product.body.access_token)), 401, 'invalid_token');

    const management = await token({ scope: 'api-keys:read' });
    const claims = decodeJwt(String(management.body.access_token));
    expect(claims.aud).toBe(`${keyward.url}/v1`);
    expect(String(claims.scope).split(' ')).toEqual(['api-keys:read']);
    expect((await listKeys(String(management.body.access_token))).status).toBe(200);

    expectError(await token({ scope: 'api-keys:read', resource: PRODUCT_AUDIENCE }), 400, 'invalid_scope', 'management scope at the product audience');
    expectError(await token({ scope: 'invoices:read api-keys:read' }), 400, 'invalid_scope', 'management and product scopes together');
  });
});

it('8 rotation during grace extends the old key: a key in its grace period cannot rotate itself or write, and stops when the grace ends', async () => {
  const org = await server.createOrg('pro');
  const operator = await operatorKey(server, org, ['api-keys:*']);
  const bystander = await operatorKey(server, org, ['invoices:read']);
  const old = await api(server, 'POST', '/v1/api-keys', operator.key, { name: 'A', scopes: ['api-keys:*'] });
  expect(old.status).toBe(201);
  const oldKey = String(old.body.key);

  const rotatedAt = Math.floor(Date.now() / 1000);
  expect((await api(server, 'POST', `/v1/api-keys/${old.body.id}/rotate`, operator.key, { grace_seconds: 5 })).status).toBe(201);

  // The replaced key manages nothing any more, itself included; nobody can rotate it again.
  expectError(await api(server, 'POST', `/v1/api-keys/${old.body.id}/rotate`, oldKey, { grace_seconds: 604_800 }), 403, 'insufficient_scope', 'rotating itself');
  expectError(await api(server, 'POST', `/v1/api-keys/${old.body.id}/rotate`, operator.key, { grace_seconds: 604_800 }), 409, 'conflict', 'rotated again');
  expectError(await api(server, 'POST', `/v1/api-keys/${bystander.id}/revoke`, oldKey, {}), 403, 'insufficient_scope', 'revoking another key');
  const seen = await introspect(server, resourceServer, oldKey);
  expect(seen.body.active).toBe(true);
  expect(seen.body.exp).toBeGreaterThanOrEqual(rotatedAt + 5 - 2);
  expect(seen.body.exp).toBeLessThanOrEqual(rotatedAt + 5 + 3);
});

it('an authorization that names the product audience never shows or grants a management scope', async () => {
  const org = await server.createOrg('council');
  const admin = await server.createUser([org]);
  const vendor = await server.createOrg('council');
  const both = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read api-keys:write' });
  const session = new BrowserSession(server);
  const { token } = await codeExchange(server, both, { redirectUri: REDIRECT, scope: 'invoices:read api-keys:write', user: admin, extra: { resource: server.url } }, session);
  expect(token.body.scope).toBe('invoices:read');
  const consent = session.pages.find((page) => formAction(page.html, 'confirm'));
  expect(consent?.html).toContain('invoices:read');
  expect(consent?.html).not.toContain('api-keys:write');
  const management = await postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: String(token.body.refresh_token), resource: `${server.url}/v1` }, {
    authorization: basic(both.clientId, both.clientSecret),
  });
  expectError(management, 400, 'invalid_target');
});
