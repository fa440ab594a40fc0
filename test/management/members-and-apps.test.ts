// The /v1 management API for members (invitations, roles, removal) and OAuth apps, over real
// HTTP with real Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, operatorKey } from './helpers.js';
import { expectError } from '../policy/flows.js';

let server: TestServer;
let orgA: string;
let adminA: { id: string; key: string };
let adminB: { id: string; key: string };
const ADMIN_SCOPES = ['api-keys:*', 'invoices:*', 'clients:read', 'oauth-clients:*', 'members:*'];

beforeAll(async () => {
  server = await startTestServer();
  orgA = await server.createOrg('pro');
  const orgB = await server.createOrg('council');
  adminA = await operatorKey(server, orgA, ADMIN_SCOPES);
  adminB = await operatorKey(server, orgB, ADMIN_SCOPES);
});
afterAll(() => server.stop());

describe('members and OAuth apps', () => {
  it('invites by email, withdraws an invitation, changes roles and removes members of the organization only', async () => {
    const invited = await api(server, 'POST', '/v1/members', adminA.key, { email: 'Nobody@Example.com' });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ object: 'invitation', email: 'nobody@example.com', role: 'member', status: 'invited', organization_id: orgA });
    const id = String(invited.body.id);
    expect((await api(server, 'DELETE', `/v1/members/${id}`, adminB.key)).status).toBe(404);
    expect((await api(server, 'DELETE', `/v1/members/${id}`, adminA.key)).status).toBe(200);
    expect((await api(server, 'DELETE', `/v1/members/${id}`, adminA.key)).status).toBe(404);
    expectError(await api(server, 'POST', '/v1/members', adminA.key, { email: 'not an address' }), 400, 'invalid_request');

    const user = await server.createUser([{ org: orgA, role: 'member' }]);
    const list = await api(server, 'GET', '/v1/members', adminA.key);
    expect(list.body.data).toContainEqual({ object: 'member', id: user.id, user_id: user.id, email: user.email, role: 'member', status: 'active', organization_id: orgA });
    expect((await api(server, 'GET', '/v1/members', adminB.key)).text).not.toContain(user.id);
    // Making an admin hands over every management scope: this key lacks organizations:*.
    const promote = await api(server, 'POST', `/v1/members/${user.id}`, adminA.key, { role: 'admin' });
    expectError(promote, 403, 'insufficient_scope');
    expect(promote.body.scope).toBe('organizations:read organizations:write');
    expect((await api(server, 'POST', `/v1/members/${user.id}`, adminB.key, { role: 'member' })).status).toBe(404);
    expect((await api(server, 'DELETE', `/v1/members/${user.id}`, adminA.key)).status).toBe(200);
    expect((await api(server, 'DELETE', `/v1/members/${user.id}`, adminA.key)).status).toBe(404);
    expect((await api(server, 'POST', `/v1/members/${user.id}`, adminA.key, { role: 'member' })).status).toBe(404);
  });

  it('lists apps newest first, a page at a time', async () => {
    const org = await server.createOrg('pro');
    const admin = await operatorKey(server, org, ADMIN_SCOPES);
    for (const name of ['first', 'second', 'third']) {
      expect((await api(server, 'POST', '/v1/oauth-clients', admin.key, { name, grant_types: ['client_credentials'] })).status).toBe(201);
    }
    const page = await api(server, 'GET', '/v1/oauth-clients?limit=2', admin.key);
    const data = page.body.data as Array<{ id: string; name: string }>;
    expect(data.map((c) => c.name)).toEqual(['third', 'second']);
    expect(page.body.has_more).toBe(true);
    const next = await api(server, 'GET', `/v1/oauth-clients?limit=2&starting_after=${data[1]!.id}`, admin.key);
    expect((next.body.data as Array<{ name: string }>).map((c) => c.name)).toEqual(['first']);
    expect(next.body.has_more).toBe(false);
  });

  it('registers an app with its secret shown once, rotates the secret and deletes the app', async () => {
    const created = await api(server, 'POST', '/v1/oauth-clients', adminA.key, { name: 'Partner', grant_types: ['authorization_code'], redirect_uris: ['https://partner.example/cb'], scopes: ['read:invoices'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'oauth_client', organization_id: orgA, scopes: ['invoices:read'], public: false });
    expect(String(created.body.client_secret)).toMatch(/^kwcs_/);
    const id = String(created.body.id);
    const fetched = await api(server, 'GET', `/v1/oauth-clients/${id}`, adminA.key);
    expect(fetched.text).not.toContain(String(created.body.client_secret));
    expect((await api(server, 'GET', `/v1/oauth-clients/${id}`, adminB.key)).status).toBe(404);
    const rotated = await api(server, 'POST', `/v1/oauth-clients/${id}/rotate-secret`, adminA.key, {});
    expect(rotated.body.client_secret).not.toBe(created.body.client_secret);
    const bad = await api(server, 'POST', '/v1/oauth-clients', adminA.key, { name: 'Evil', grant_types: ['authorization_code'], redirect_uris: ['javascript:alert(1)'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_redirect_uri');
    const scopeless = await api(server, 'POST', '/v1/oauth-clients', adminA.key, { name: 'Machine', grant_types: ['client_credentials'], scopes: [] });
    expect(scopeless.status).toBe(400);
    expect(scopeless.body).toMatchObject({ error: 'invalid_client_metadata', param: 'scope' });
    expect((await api(server, 'DELETE', `/v1/oauth-clients/${id}`, adminB.key)).status).toBe(404);
    expect((await api(server, 'DELETE', `/v1/oauth-clients/${id}`, adminA.key)).body).toEqual({ id, object: 'oauth_client', deleted: true });
    expect((await api(server, 'GET', `/v1/oauth-clients/${id}`, adminA.key)).status).toBe(404);
  });
});
