import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/oauth-flow.js';
import { changeLastCharacter } from '../helpers/tamper.js';

let server: TestServer;
let org: string;
let client: { clientId: string; clientSecret: string };

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg();
  client = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read invoices:write clients:read' });
});
afterAll(() => server.stop());

const token = (form: Record<string, string>, headers: Record<string, string> = {}) =>
  postForm(server, '/oauth2/token', { grant_type: 'client_credentials', ...form }, headers);

describe('discovery', () => {
  it.each(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'])(
    'publishes the real endpoints at %s (checklist D36)',
    async (path) => {
      const res = await fetch(new URL(path, server.url));
      expect(res.status).toBe(200);
      const meta = (await res.json()) as Record<string, unknown>;
      expect(meta.issuer).toBe(server.url);
      expect(meta.token_endpoint).toBe(`${server.url}/oauth2/token`);
      expect(meta.authorization_endpoint).toBe(`${server.url}/oauth2/authorize`);
      expect(meta.jwks_uri).toBe(`${server.url}/oauth2/jwks`);
      expect(meta.introspection_endpoint).toBe(`${server.url}/oauth2/introspect`);
      expect(meta.revocation_endpoint).toBe(`${server.url}/oauth2/revoke`);
      expect(meta.pushed_authorization_request_endpoint).toBe(`${server.url}/oauth2/par`);
      expect(meta.code_challenge_methods_supported).toEqual(['S256']);
      expect(meta.response_types_supported).toEqual(['code']);
      expect(meta.authorization_response_iss_parameter_supported).toBe(true);
      expect(meta.token_endpoint_auth_methods_supported).not.toContain('client_secret_jwt');
      expect(meta.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    },
  );
});

describe('client_credentials', () => {
  it('issues an RFC 9068 JWT that verifies against the published JWKS alone, no-store, no refresh or ID token (checklists D30, B22, C29)', async () => {
    const res = await token({ scope: 'invoices:read' }, { authorization: basic(client.clientId, client.clientSecret) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'invoices:read' });
    // RFC 6749 §4.4.3: no refresh token, and no id_token either (checklist C29).
    expect(res.body.refresh_token).toBeUndefined();
    expect(res.body.id_token).toBeUndefined();

    const accessToken = String(res.body.access_token);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth2/jwks`));
    const { payload, protectedHeader } = await jwtVerify(accessToken, jwks, {
      issuer: server.url,
      audience: server.services.config.resources[0],
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({
      iss: server.url,
      sub: client.clientId,
      client_id: client.clientId,
      scope: 'invoices:read',
      organizationId: org,
    });
    expect(payload.jti).toBeTruthy();
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('accepts client_secret_post for a client registered with it', async () => {
    const postClient = await server.createClient({ org, grants: ['client_credentials'], authMethod: 'client_secret_post' });
    const res = await token({ client_id: postClient.clientId, client_secret: postClient.clientSecret });
    expect(res.status).toBe(200);
    expect(decodeProtectedHeader(String(res.body.access_token)).alg).toBe('ES256');
  });

  it('refuses a wrong secret with 401 invalid_client and WWW-Authenticate: Basic (checklist B19)', async () => {
    const res = await token({}, { authorization: basic(client.clientId, changeLastCharacter(client.clientSecret)) });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('answers an unknown client exactly as a wrong secret (checklist B19)', async () => {
    const wrong = await token({}, { authorization: basic(client.clientId, 'kwcs_nope') });
    const unknown = await token({}, { authorization: basic('cli_doesnotexist', 'kwcs_nope') });
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('refuses the stored hash presented as the secret', async () => {
    const record = await server.services.registry.find(client.clientId);
    const res = await token({}, { authorization: basic(client.clientId, record!.secret_hash!) });
    expect(res.status).toBe(401);
  });

  it('refuses two client authentication methods at once (checklist B19)', async () => {
    const res = await token(
      { client_id: client.clientId, client_secret: client.clientSecret },
      { authorization: basic(client.clientId, client.clientSecret) },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('issues the client\'s registered scopes when none is asked for (RFC 6749 §3.3), on either token path', async () => {
    const basicAuth = { authorization: basic(client.clientId, client.clientSecret) };
    // Basic authentication takes the fast path; client_secret_post is oidc-provider's.
    const postClient = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read clients:read', authMethod: 'client_secret_post' });
    const viaFastPath = await token({}, basicAuth);
    const viaProvider = await token({ client_id: postClient.clientId, client_secret: postClient.clientSecret });
    expect(viaFastPath.body.scope).toBe('clients:read invoices:read invoices:write');
    expect(viaProvider.body.scope).toBe('clients:read invoices:read');
    const claims = JSON.parse(Buffer.from(String(viaProvider.body.access_token).split('.')[1]!, 'base64url').toString()) as { scope: string };
    expect(claims.scope).toBe('clients:read invoices:read');
    // A management client asks for its audience and gets its management scopes, never product ones.
    const manager = await server.createClient({ org, grants: ['client_credentials'], scope: 'api-keys:read invoices:read' });
    const management = await token({ resource: server.services.config.managementAudience }, { authorization: basic(manager.clientId, manager.clientSecret) });
    expect(management.body.scope).toBe('api-keys:read');
  });

  it('refuses a scope the client is not allowed with invalid_scope (checklist B23)', async () => {
    const auth = { authorization: basic(client.clientId, client.clientSecret) };
    expect((await token({ scope: 'payouts:write' }, auth)).body.error).toBe('invalid_scope');
    expect((await token({ scope: 'admin' }, auth)).body.error).toBe('invalid_scope');
  });

  it('refuses an unknown resource with invalid_target and honours a listed one (RFC 8707)', async () => {
    const auth = { authorization: basic(client.clientId, client.clientSecret) };
    const unknown = await token({ resource: 'https://elsewhere.example/' }, auth);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid_target');
  });

  it('is POST only and form-encoded (checklist B21)', async () => {
    const get = await fetch(`${server.url}/oauth2/token?grant_type=client_credentials`);
    expect([400, 404, 405]).toContain(get.status);
    const json = await fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(client.clientId, client.clientSecret) },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('introspects a client-credentials token as active until it is revoked, or its client is gone', async () => {
    const auth = { authorization: basic(client.clientId, client.clientSecret) };
    const at = String((await token({ scope: 'invoices:read' }, auth)).body.access_token);
    const introspect = () => postForm(server, '/oauth2/introspect', { token: at }, auth);
    expect((await introspect()).body).toMatchObject({ active: true, client_id: client.clientId, sub: client.clientId, organizationId: org, scope: 'invoices:read' });
    expect((await postForm(server, '/oauth2/revoke', { token: at }, auth)).status).toBe(200);
    expect((await introspect()).body).toEqual({ active: false });
    // A new token of the same client is unaffected.
    const fresh = String((await token({}, auth)).body.access_token);
    expect((await postForm(server, '/oauth2/introspect', { token: fresh }, auth)).body).toMatchObject({ active: true });

    const doomed = await server.createClient({ org, grants: ['client_credentials'] });
    const doomedAuth = { authorization: basic(doomed.clientId, doomed.clientSecret) };
    const orphan = String((await token({}, doomedAuth)).body.access_token);
    await server.services.database.db.deleteFrom('oauth_clients').where('client_id', '=', doomed.clientId).execute();
    server.services.registry.invalidate(doomed.clientId);
    const rs = await server.createClient({ org, grants: ['client_credentials'], introspect: true });
    expect((await postForm(server, '/oauth2/introspect', { token: orphan }, { authorization: basic(rs.clientId, rs.clientSecret) })).body).toEqual({ active: false });
  });

  it('reads clients from the in-process cache, not the database, on repeat requests', async () => {
    const auth = { authorization: basic(client.clientId, client.clientSecret) };
    await token({}, auth);
    // The record is cached: removing the row is not seen until the cache entry expires.
    const { db } = server.services.database;
    const row = await db.selectFrom('oauth_clients').selectAll().where('client_id', '=', client.clientId).executeTakeFirstOrThrow();
    await db.deleteFrom('oauth_clients').where('client_id', '=', client.clientId).execute();
    try {
      expect((await token({}, auth)).status).toBe(200);
    } finally {
      await db.insertInto('oauth_clients').values({ ...row, grant_types: JSON.stringify(row.grant_types), redirect_uris: JSON.stringify(row.redirect_uris), jwks: JSON.stringify(row.jwks) }).execute();
    }
  });
});
