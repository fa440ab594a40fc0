// API keys at RFC 7662 introspection (for resource servers), and OAuth access tokens carrying
// management scopes at the management API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, codeExchange, postForm } from '../helpers/oauth-flow.js';
import { managementOperations } from '../../src/management/operations.js';
import { api, operatorKey } from '../management/helpers.js';
import { changeLastCharacter } from '../helpers/tamper.js';

let server: TestServer;
let org: string;
let rs: { clientId: string; clientSecret: string };
let plainClient: { clientId: string; clientSecret: string };

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg('pro');
  rs = await server.createClient({ org, grants: ['client_credentials'], introspect: true });
  plainClient = await server.createClient({ org, grants: ['client_credentials'] });
});
afterAll(() => server.stop());

const introspect = (token: string, client = rs, extra: Record<string, string> = {}) =>
  postForm(server, '/oauth2/introspect', { token, ...extra }, { authorization: basic(client.clientId, client.clientSecret) });

describe('introspecting API keys', () => {
  it('answers a resource server with token_type api_key, scope, organizationId, key_id and exp', async () => {
    const expires = new Date(Date.now() + 3_600_000);
    const key = await operatorKey(server, org, ['invoices:read', 'clients:*'], { expiresAt: expires });
    const res = await introspect(key.key);
    expect(res.body).toEqual({
      active: true,
      token_type: 'api_key',
      scope: 'invoices:read clients:*',
      organizationId: org,
      key_id: key.id,
      key_type: 'secret',
      livemode: true,
      exp: Math.floor(expires.getTime() / 1000),
    });
  });

  it('tells any other client nothing', async () => {
    const key = await operatorKey(server, org, ['invoices:read']);
    expect((await introspect(key.key, plainClient)).body).toEqual({ active: false });
  });

  it('answers inactive for revoked keys and bad checksums', async () => {
    const key = await operatorKey(server, org, ['invoices:read']);
    await server.services.keys.revoke({ organizationId: org, id: 'test', grantor: { kind: 'operator' } }, key.id);
    expect((await introspect(key.key)).body).toEqual({ active: false });
    expect((await introspect(changeLastCharacter(key.key))).body).toEqual({ active: false });
  });

  it('checks an IP allowlist against client_ip, and fails closed without it', async () => {
    const key = await operatorKey(server, org, ['invoices:read'], { ipAllowlist: ['198.51.100.0/24', '2001:db8::/32'] });
    expect((await introspect(key.key)).body).toEqual({ active: false });
    expect((await introspect(key.key, rs, { client_ip: '203.0.113.9' })).body).toEqual({ active: false });
    expect((await introspect(key.key, rs, { client_ip: '198.51.100.7' })).body).toMatchObject({ active: true });
    expect((await introspect(key.key, rs, { client_ip: '2001:db8::1' })).body).toMatchObject({ active: true });
    expect((await introspect(key.key, rs, { client_ip: '::ffff:198.51.100.7' })).body).toMatchObject({ active: true });
  });

  it('refuses a key of the wrong mode when the resource server names one', async () => {
    const test = await operatorKey(server, org, ['invoices:read'], { mode: 'test' });
    expect((await introspect(test.key, rs, { key_mode: 'live' })).body).toEqual({ active: false });
    expect((await introspect(test.key, rs, { key_mode: 'test' })).body).toMatchObject({ active: true, livemode: false });
  });
});

describe('OAuth access tokens at the management API', () => {
  it('lets an admin-consented app with api-keys:read list its organization\'s keys, and nothing more', async () => {
    const vendor = await server.createOrg('council');
    const dashboard = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: ['https://dash.example/cb'], scope: 'api-keys:read invoices:read' });
    const admin = await server.createUser([{ org, role: 'admin' }]);
    const mine = await operatorKey(server, org, ['invoices:read']);
    const { token } = await codeExchange(server, dashboard, { redirectUri: 'https://dash.example/cb', scope: 'api-keys:read invoices:read', user: admin });
    // One authorization covers both audiences; each token is for one (RFC 8707). The code
    // yields the product's token, which the management API refuses...
    expect(token.body.scope).toBe('invoices:read');
    expect(decodeJwt(String(token.body.access_token)).aud).toBe(server.url);
    const product = await api(server, 'GET', '/v1/api-keys', undefined, undefined, { authorization: `Bearer ${String(token.body.access_token)}` });
    expect(product.status).toBe(401);
    // ...and the refresh token, asked for the management audience, a management token.
    const management = await postForm(
      server,
      '/oauth2/token',
      { grant_type: 'refresh_token', refresh_token: String(token.body.refresh_token), resource: `${server.url}/v1` },
      { authorization: basic(dashboard.clientId, dashboard.clientSecret) },
    );
    expect(management.body.scope).toBe('api-keys:read');
    expect(decodeJwt(String(management.body.access_token)).aud).toBe(`${server.url}/v1`);
    const at = String(management.body.access_token);
    const list = await api(server, 'GET', '/v1/api-keys?limit=100', undefined, undefined, { authorization: `Bearer ${at}` });
    expect(list.status).toBe(200);
    expect((list.body.data as Array<{ id: string }>).map((k) => k.id)).toContain(mine.id);
    const write = await api(server, 'POST', '/v1/api-keys', undefined, { name: 'x' }, { authorization: `Bearer ${at}` });
    expect(write.status).toBe(403);
    expect(write.body.scope).toBe('api-keys:write');
  });

  // The checklist expects 403; Keyward answers 404, as for any object of another organization,
  // so a token cannot even tell that the object exists.
  it("E42 an access token for one organization (user or client credentials) reads another organization's keys as 404", async () => {
    const other = await server.createOrg('council');
    const theirs = await operatorKey(server, other, ['invoices:read']);
    const mine = await operatorKey(server, org, ['invoices:read']);
    const vendor = await server.createOrg('council');
    const dashboard = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: ['https://dash.example/cb'], scope: 'api-keys:read' });
    const admin = await server.createUser([{ org, role: 'admin' }]);
    const { token: userToken } = await codeExchange(server, dashboard, { redirectUri: 'https://dash.example/cb', scope: 'api-keys:read', user: admin });
    const machine = await server.createClient({ org, grants: ['client_credentials'], scope: 'api-keys:read' });
    const machineToken = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials', scope: 'api-keys:read' }, { authorization: basic(machine.clientId, machine.clientSecret) });
    expect(machineToken.status).toBe(200);
    for (const at of [String(userToken.body.access_token), String(machineToken.body.access_token)]) {
      const bearer = { authorization: `Bearer ${at}` };
      expect((await api(server, 'GET', `/v1/api-keys/${mine.id}`, undefined, undefined, bearer)).status).toBe(200);
      const read = await api(server, 'GET', `/v1/api-keys/${theirs.id}`, undefined, undefined, bearer);
      expect(read.status).toBe(404);
      expect(read.body.error).toBe('not_found');
      const list = await api(server, 'GET', '/v1/api-keys?limit=100', undefined, undefined, bearer);
      expect(list.status).toBe(200);
      expect((list.body.data as Array<{ id: string }>).map((k) => k.id)).not.toContain(theirs.id);
    }
  });

  it('never grants management scopes to a plain member', async () => {
    const vendor = await server.createOrg('council');
    const dashboard = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: ['https://dash.example/cb'], scope: 'api-keys:read invoices:read' });
    const member = await server.createUser([{ org, role: 'member' }]);
    const { token } = await codeExchange(server, dashboard, { redirectUri: 'https://dash.example/cb', scope: 'api-keys:read invoices:read', user: member });
    expect(token.body.scope).toBe('invoices:read');
    const management = await postForm(
      server,
      '/oauth2/token',
      { grant_type: 'refresh_token', refresh_token: String(token.body.refresh_token), resource: `${server.url}/v1` },
      { authorization: basic(dashboard.clientId, dashboard.clientSecret) },
    );
    expect(management.body.scope ?? '').toBe('');
    const list = await api(server, 'GET', '/v1/api-keys', undefined, undefined, { authorization: `Bearer ${String(management.body.access_token)}` });
    expect(list.status).toBe(403);
  });

  it('refuses a revoked access token, and a token that is not one', async () => {
    const machine = await server.createClient({ org, grants: ['client_credentials'], scope: 'api-keys:read' });
    const auth = { authorization: basic(machine.clientId, machine.clientSecret) };
    const token = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials', scope: 'api-keys:read' }, auth);
    const bearer = { authorization: `Bearer ${String(token.body.access_token)}` };
    expect((await api(server, 'GET', '/v1/api-keys', undefined, undefined, bearer)).status).toBe(200);
    expect((await postForm(server, '/oauth2/revoke', { token: String(token.body.access_token) }, auth)).status).toBe(200);
    for (const headers of [bearer, { authorization: 'Bearer aaa.bbb.ccc' }]) {
      const list = await api(server, 'GET', '/v1/api-keys', undefined, undefined, headers);
      expect(list.status).toBe(401);
      expect(list.body.error).toBe('invalid_token');
    }
  });
});

describe('OpenAPI document', () => {
  it('lists every route with its method, and every example validates against its schema', async () => {
    const doc = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    const { database, keys, clients, members } = server.services;
    const operations = managementOperations({ db: database.db, keys, clients, members });
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(operations.map((o) => `${o.method} ${o.path}`).sort());
    for (const op of operations) {
      if (op.request) expect(() => op.request!.parse(op.requestExample), `${op.method} ${op.path} request example`).not.toThrow();
      expect(() => op.response.parse(op.responseExample), `${op.method} ${op.path} response example`).not.toThrow();
      const documentedOp = doc.paths[op.path]![op.method] as { 'x-required-scope': string };
      expect(documentedOp['x-required-scope']).toBe(op.scope);
    }
  });

  it('serves routes that really exist: each documented path answers 401 without credentials, not 404', async () => {
    const doc = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        const res = await fetch(`${server.url}${path.replace(/\{\w+\}/g, 'x_1')}`, { method: method.toUpperCase() });
        expect(res.status, `${method} ${path}`).toBe(401);
      }
    }
  });
});
