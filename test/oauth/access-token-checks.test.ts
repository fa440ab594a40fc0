// Checklist D31-D34: what a resource server must refuse. Until the resource-server kit lands,
// the verifier under test is Keyward's introspection (jose against the published JWKS only)
// and a plain jose.jwtVerify configured as docs/product-contract.md §4 tells resource servers to.
import { SignJWT, createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, codeExchange, postForm } from '../helpers/oauth-flow.js';
import type { TestUser } from '../helpers/oauth-flow.js';

const API_A = 'https://api-a.example/';
const API_B = 'https://api-b.example/';
let server: TestServer;
let org: string;
let user: TestUser;
let svc: { clientId: string; clientSecret: string };
let rs: { clientId: string; clientSecret: string };
let accessToken: string;

beforeAll(async () => {
  server = await startTestServer({ env: { RESOURCE_AUDIENCE: `${API_A} ${API_B}` } });
  org = await server.createOrg();
  user = await server.createUser([org]);
  svc = await server.createClient({ org, grants: ['client_credentials'] });
  rs = await server.createClient({ org, grants: ['client_credentials'], introspect: true });
  const res = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials', resource: API_A, scope: 'invoices:read' }, { authorization: basic(svc.clientId, svc.clientSecret) });
  accessToken = String(res.body.access_token);
});
afterAll(() => server.stop());

const introspect = async (token: string) =>
  (await postForm(server, '/oauth2/introspect', { token }, { authorization: basic(rs.clientId, rs.clientSecret) })).body;

const part = (value: object) => base64url.encode(JSON.stringify(value));
const claims = () => ({ ...decodeJwt(accessToken), organizationId: 'org_attacker' });

describe('audience restriction (checklist D31)', () => {
  it('puts the requested resource in aud, and another API refuses the token', async () => {
    expect(decodeJwt(accessToken).aud).toBe(API_A);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth2/jwks`));
    await expect(jwtVerify(accessToken, jwks, { issuer: server.url, audience: API_A, typ: 'at+jwt' })).resolves.toBeTruthy();
    await expect(jwtVerify(accessToken, jwks, { issuer: server.url, audience: API_B, typ: 'at+jwt' })).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
    });
  });
});

describe('ID token is not an access token (checklist D32)', () => {
  it('refuses an id_token presented as a bearer token', async () => {
    const app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'] });
    const { token } = await codeExchange(server, app, { redirectUri: 'https://app.example/cb', scope: 'openid invoices:read', organizationId: org, user });
    const idToken = String(token.body.id_token);
    expect(idToken.split('.')).toHaveLength(3);
    expect(await introspect(idToken)).toEqual({ active: false });
    const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth2/jwks`));
    await expect(jwtVerify(idToken, jwks, { issuer: server.url, typ: 'at+jwt' })).rejects.toBeTruthy();
  });
});

describe('forged tokens (checklists D33, D34)', () => {
  it('refuses alg:none with organizationId changed', async () => {
    const forged = `${part({ alg: 'none', typ: 'at+jwt' })}.${part(claims())}.`;
    expect(await introspect(forged)).toEqual({ active: false });
  });

  it('refuses HS256 signed with the published public key', async () => {
    const jwks = (await (await fetch(`${server.url}/oauth2/jwks`)).json()) as { keys: object[] };
    const secret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(secret);
    expect(await introspect(forged)).toEqual({ active: false });
  });

  it('refuses the real token with its payload edited', async () => {
    const [header, , signature] = accessToken.split('.');
    expect(await introspect(`${header}.${part(claims())}.${signature}`)).toEqual({ active: false });
  });

  it.each([
    ['an embedded jwk header', async (jwk: object) => ({ alg: 'ES256', typ: 'at+jwt', jwk })],
    ['a jku header', async () => ({ alg: 'ES256', typ: 'at+jwt', jku: 'https://evil.example/jwks' })],
    ['an unknown kid', async () => ({ alg: 'ES256', typ: 'at+jwt', kid: 'attacker' })],
    ['a path-traversal kid', async () => ({ alg: 'ES256', typ: 'at+jwt', kid: '../../dev/null' })],
    ['an injection kid', async () => ({ alg: 'ES256', typ: 'at+jwt', kid: "' OR 1=1--" })],
  ])('refuses a token signed by an attacker key with %s', async (_label, header) => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const forged = await new SignJWT(claims()).setProtectedHeader(await header(jwk)).sign(privateKey);
    expect(await introspect(forged)).toEqual({ active: false });
  });

  it('refuses a real key id reused by an attacker key', async () => {
    const { kid } = JSON.parse(Buffer.from(accessToken.split('.')[0]!, 'base64url').toString()) as { kid: string };
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(privateKey);
    expect(await introspect(forged)).toEqual({ active: false });
  });

  it('still answers active for the genuine token (the checks above can fail)', async () => {
    expect(await introspect(accessToken)).toMatchObject({ active: true, organizationId: org, aud: API_A });
  });
});
