// @keyward/verify and @keyward/client against a real running Keyward (real Postgres and Redis).
import { exportJWK, generateKeyPair, SignJWT, base64url, decodeJwt } from 'jose';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, codeExchange, postForm, type TestUser } from '../helpers/oauth-flow.js';
import { createVerifier, expressGuard, guard, requireScope, scopeFromRequest, VerificationError, type Verifier } from '../../packages/verify/src/index.js';
import { createTokenClient, TokenEndpointError } from '../../packages/client/src/index.js';
import { operatorKey } from '../management/helpers.js';

const API = 'https://api.example.com/';
let server: TestServer;
let org: string;
let otherOrg: string;
let svc: { clientId: string; clientSecret: string };
let rs: { clientId: string; clientSecret: string };
let user: TestUser;
let verifier: Verifier;

beforeAll(async () => {
  server = await startTestServer({ env: { RESOURCE_AUDIENCE: `${API} https://other.example.com/` } });
  org = await server.createOrg('pro');
  otherOrg = await server.createOrg('pro');
  svc = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read invoices:write clients:read' });
  rs = await server.createClient({ org, grants: ['client_credentials'], introspect: true });
  user = await server.createUser([org]);
  verifier = createVerifier({ issuer: server.url, audience: API, introspection: rs });
});
afterAll(() => server.stop());

const ccToken = async (form: Record<string, string> = {}) =>
  String((await postForm(server, '/oauth2/token', { grant_type: 'client_credentials', ...form }, { authorization: basic(svc.clientId, svc.clientSecret) })).body.access_token);
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const rejects = async (promise: Promise<unknown>, error: string, status: number) => {
  const err = (await promise.then(() => undefined, (e: unknown) => e)) as VerificationError;
  expect(err).toBeInstanceOf(VerificationError);
  expect(err.error).toBe(error);
  expect(err.status).toBe(status);
  return err;
};

describe('every credential kind', () => {
  it('accepts a client-credentials JWT', async () => {
    const principal = await verifier.verify(bearer(await ccToken({ scope: 'invoices:read' })));
    expect(principal).toEqual({ subject: svc.clientId, organizationId: org, scopes: ['invoices:read'], credential: 'jwt', clientId: svc.clientId });
  });

  it('accepts a user JWT from the code flow', async () => {
    const app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'] });
    const { token } = await codeExchange(server, app, { redirectUri: 'https://app.example/cb', scope: 'invoices:read', user, extra: { resource: API } });
    const principal = await verifier.verify(bearer(String(token.body.access_token)));
    expect(principal).toMatchObject({ subject: user.id, organizationId: org, credential: 'jwt', clientId: app.clientId });
  });

  it('accepts an API key as x-api-key and as Bearer', async () => {
    const key = await operatorKey(server, org, ['invoices:read']);
    const a = await verifier.verify({ headers: { 'x-api-key': key.key } });
    const b = await verifier.verify(bearer(key.key));
    expect(a).toEqual({ subject: org, organizationId: org, scopes: ['invoices:read'], credential: 'api_key', keyId: key.id });
    expect(b).toEqual(a);
  });
});

describe('refusals', () => {
  it('401 missing_credentials with a bare challenge', async () => {
    const err = await rejects(verifier.verify({ headers: {} }), 'missing_credentials', 401);
    expect(err.wwwAuthenticate).toBe('Bearer realm="api"');
  });

  it('rejects, never throws, whatever it is given: a caller\'s .catch() sees every refusal', async () => {
    // verify() and verifyCredential() are not async functions (fewer microtask turns), so this
    // is their contract to keep by hand.
    const noHeaders = (() => verifier.verify({} as never))();
    expect(noHeaders).toBeInstanceOf(Promise);
    await expect(noHeaders).rejects.toThrow();
    const notAString = (() => verifier.verifyCredential(undefined as never))();
    expect(notAString).toBeInstanceOf(Promise);
    await expect(notAString).rejects.toThrow();
    await rejects(verifier.verifyCredential('x'.repeat(8193)), 'invalid_token', 401);
  });

  it('401 for a wrong audience (checklist D31)', async () => {
    const other = await ccToken({ resource: 'https://other.example.com/' });
    await rejects(verifier.verify(bearer(other)), 'invalid_token', 401);
  });

  it('401 for a token of another issuer, even signed with a key the verifier trusts', async () => {
    // A second Keyward on the same database shares its signing keys but not its issuer.
    const second = await startTestServer({ env: { RESOURCE_AUDIENCE: API } });
    try {
      const client = await second.createClient({ org, grants: ['client_credentials'] });
      const foreign = String((await postForm(second, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.clientSecret) })).body.access_token);
      await rejects(verifier.verify(bearer(foreign)), 'invalid_token', 401);
    } finally {
      await second.stop();
    }
  });

  it('503 when the issuer cannot be reached', async () => {
    const unreachable = createVerifier({ issuer: 'http://127.0.0.1:9', audience: API });
    await rejects(unreachable.verify(bearer(await ccToken())), 'temporarily_unavailable', 503);
  });

  it('401 for an expired token, past the leeway; within the leeway it passes', async () => {
    const token = await ccToken();
    const { exp } = decodeJwt(token);
    const later = (seconds: number) => createVerifier({ issuer: server.url, audience: API, clock: () => (exp! + seconds) * 1000 });
    const err = await rejects(later(61).verify(bearer(token)), 'invalid_token', 401);
    expect(err.description).toBe('the access token has expired');
    await expect(later(30).verify(bearer(token))).resolves.toMatchObject({ organizationId: org });
    // A cached token is never served past its exp either.
    let clock = Date.now();
    const cachedVerifier = createVerifier({ issuer: server.url, audience: API, clockTolerance: 0, clock: () => clock });
    await cachedVerifier.verify(bearer(token));
    clock = (exp! + 1) * 1000;
    await rejects(cachedVerifier.verify(bearer(token)), 'invalid_token', 401);
  });

  it.each(['none', 'HS256 with the public key', 'unknown kid', 'tampered payload', 'embedded jwk'])('401 for a forged token: %s (checklists D33, D34)', async (kind) => {
    const real = await ccToken();
    const claims = { ...decodeJwt(real), organizationId: otherOrg, scope: 'invoices:write' };
    let forged: string;
    if (kind === 'none') {
      forged = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${base64url.encode(JSON.stringify(claims))}.`;
    } else if (kind === 'HS256 with the public key') {
      const jwks = (await (await fetch(`${server.url}/oauth2/jwks`)).json()) as { keys: object[] };
      forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
    } else if (kind === 'tampered payload') {
      const [h, , sig] = real.split('.');
      forged = `${h}.${base64url.encode(JSON.stringify(claims))}.${sig}`;
    } else {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const header = kind === 'unknown kid' ? { alg: 'ES256', typ: 'at+jwt', kid: 'attacker' } : { alg: 'ES256', typ: 'at+jwt', jwk: await exportJWK(publicKey) };
      forged = await new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
    }
    await rejects(verifier.verify(bearer(forged)), 'invalid_token', 401);
  });

  it('401 invalid_api_key for a revoked key, and 503 when introspection is unreachable', async () => {
    const key = await operatorKey(server, org, ['invoices:read']);
    await server.services.keys.revoke({ organizationId: org, id: 'test', grantor: { kind: 'operator' } }, key.id);
    const err = await rejects(verifier.verify({ headers: { 'x-api-key': key.key } }), 'invalid_api_key', 401);
    expect(err.wwwAuthenticate).toBe('Bearer realm="api", error="invalid_api_key"');
    const live = await operatorKey(server, org, ['invoices:read']);
    const down = createVerifier({ issuer: server.url, audience: API, introspection: rs, fetch: async (url, init) => (String(url).includes('introspect') ? Promise.reject(new Error('down')) : fetch(url, init)) });
    await rejects(down.verify({ headers: { 'x-api-key': live.key } }), 'temporarily_unavailable', 503);
  });

  it('403 insufficient_scope naming the scope in body and header (RFC 6750 §3)', async () => {
    const principal = await verifier.verify(bearer(await ccToken({ scope: 'invoices:read' })));
    const err = (() => {
      try {
        requireScope(principal, 'invoices:write');
      } catch (e) {
        return e as VerificationError;
      }
      return undefined;
    })()!;
    expect(err.status).toBe(403);
    expect(err.toJSON()).toEqual({ error: 'insufficient_scope', error_description: 'this requires the invoices:write scope', scope: 'invoices:write' });
    expect(err.wwwAuthenticate).toBe('Bearer realm="api", error="insufficient_scope", scope="invoices:write"');
    expect(() => requireScope(principal, 'read:invoices')).not.toThrow();
  });
});

describe('adapters', () => {
  it('guards an Express app: 401, 403 with the scope, and req.auth on success', async () => {
    const app = express();
    app.use(expressGuard(verifier, { scopes: 'route' }));
    app.get('/v1/invoices', (req, res) => {
      res.json({ organizationId: (req as unknown as { auth: { organizationId: string } }).auth.organizationId });
    });
    const listening = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
      expect((await fetch(`${base}/v1/invoices`)).status).toBe(401);
      const token = await ccToken({ scope: 'invoices:read' });
      const ok = await fetch(`${base}/v1/invoices`, { headers: { authorization: `Bearer ${token}` } });
      expect(await ok.json()).toEqual({ organizationId: org });
      const post = await fetch(`${base}/v1/invoices`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(post.status).toBe(403);
      expect(post.headers.get('www-authenticate')).toBe('Bearer realm="api", error="insufficient_scope", scope="invoices:write"');
      expect(await post.json()).toEqual({ error: 'insufficient_scope', error_description: 'this requires the invoices:write scope', scope: 'invoices:write' });
    } finally {
      listening.close();
    }
  });

  it('guards anything with the plain form', async () => {
    const check = guard(verifier, { scopes: ['clients:read'] });
    await expect(check({ headers: new Headers({ authorization: `Bearer ${await ccToken({ scope: 'clients:read' })}` }) })).resolves.toMatchObject({ organizationId: org });
    await rejects(check({ headers: new Headers({ authorization: `Bearer ${await ccToken({ scope: 'invoices:read' })}` }) }), 'insufficient_scope', 403);
  });
});

describe('scopes from routes', () => {
  it.each([
    ['GET', '/v1/clients', 'clients:read'],
    ['GET', '/v1/clients/42?x=1', 'clients:read'],
    ['POST', '/v1/invoices', 'invoices:write'],
    ['PATCH', '/v1/invoices/7', 'invoices:write'],
    ['DELETE', '/v1/time-entries/7', 'time-entries:write'],
  ])('%s %s needs %s', (method, path, scope) => {
    expect(scopeFromRequest(method, path)).toBe(scope);
  });
});

describe('speed: the verified-token cache', () => {
  it('serves a repeat from the cache without touching the JWKS again', async () => {
    let fetches = 0;
    const counting = createVerifier({ issuer: server.url, audience: API, fetch: async (url, init) => { fetches++; return fetch(url, init); } });
    const token = await ccToken();
    await counting.verify(bearer(token));
    const after = fetches;
    for (let i = 0; i < 50; i++) await counting.verify(bearer(token));
    expect(fetches).toBe(after);
  });
});

describe('@keyward/client', () => {
  it('fetches once for 20 concurrent callers and reuses the token', async () => {
    let tokenRequests = 0;
    const client = createTokenClient({ issuer: server.url, clientId: svc.clientId, clientSecret: svc.clientSecret, scopes: ['invoices:read'], audience: API, fetch: async (url, init) => { if (String(url).endsWith('/oauth2/token')) tokenRequests++; return fetch(url, init); } });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => client.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokenRequests).toBe(1);
    await client.getToken();
    expect(tokenRequests).toBe(1);
    expect((await verifier.verify(bearer(tokens[0]!))).scopes).toEqual(['invoices:read']);
  });

  it('renews renewBefore ahead of expiry, and at half-life when renewBefore exceeds it', async () => {
    // Tokens that seem to last 4 s (the answer's expires_in rewritten), so renewal shows in seconds.
    const counted = () => {
      const counter = { requests: 0 };
      const shortLived = async (url: string | URL | Request, init?: RequestInit) => {
        const res = await fetch(url, init);
        if (!String(url instanceof Request ? url.url : url).endsWith('/oauth2/token')) return res;
        counter.requests++;
        return Response.json({ ...((await res.json()) as object), expires_in: 4 }, { status: res.status });
      };
      return { counter, fetch: shortLived };
    };
    const a = counted();
    const b = counted();
    // renewBefore 3 s of 4: half-life (2 s) comes later, so it wins; renewBefore 1 s: at 3 s.
    const halfLife = createTokenClient({ issuer: server.url, clientId: svc.clientId, clientSecret: svc.clientSecret, renewBefore: 3, fetch: a.fetch });
    const ahead = createTokenClient({ issuer: server.url, clientId: svc.clientId, clientSecret: svc.clientSecret, renewBefore: 1, fetch: b.fetch });
    const at = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await Promise.all([halfLife.getToken(), ahead.getToken()]);
    await at(1300);
    await Promise.all([halfLife.getToken(), ahead.getToken()]);
    expect([a.counter.requests, b.counter.requests], 'at 1.3 s').toEqual([1, 1]);
    await at(1000);
    await Promise.all([halfLife.getToken(), ahead.getToken()]);
    expect([a.counter.requests, b.counter.requests], 'at 2.3 s').toEqual([2, 1]);
    await at(1000);
    await ahead.getToken();
    expect(b.counter.requests, 'at 3.3 s').toBe(2);
  });

  it('on a 401 renews and retries exactly once', async () => {
    let calls = 0;
    let tokenRequests = 0;
    const client = createTokenClient({ issuer: server.url, clientId: svc.clientId, clientSecret: svc.clientSecret, fetch: async (url, init) => {
      if (String(url).endsWith('/oauth2/token')) tokenRequests++;
      if (String(url) === 'http://api.test/thing') { calls++; return new Response('{}', { status: 401 }); }
      return fetch(url, init);
    } });
    const res = await client.fetch('http://api.test/thing');
    expect(res.status).toBe(401);
    expect(calls).toBe(2);
    expect(tokenRequests).toBe(2);
  });

  it('surfaces token endpoint errors with the OAuth code', async () => {
    const client = createTokenClient({ issuer: server.url, clientId: svc.clientId, clientSecret: 'wrong' });
    const err = (await client.getToken().catch((e: unknown) => e)) as TokenEndpointError;
    expect(err).toBeInstanceOf(TokenEndpointError);
    expect(err.error).toBe('invalid_client');
    const scoped = createTokenClient({ issuer: server.url, clientId: svc.clientId, clientSecret: svc.clientSecret, scopes: ['payouts:write'] });
    expect(((await scoped.getToken().catch((e: unknown) => e)) as TokenEndpointError).error).toBe('invalid_scope');
  });

  it.each(['ES256', 'RS256', 'PS256', 'EdDSA'] as const)('authenticates with private_key_jwt (%s)', async (alg) => {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg, use: 'sig' };
    const keyed = await server.createClient({ org, grants: ['client_credentials'], authMethod: 'private_key_jwt', jwks: { keys: [jwk] } });
    const client = createTokenClient({ issuer: server.url, clientId: keyed.clientId, privateKey: { key: privateKey, alg, kid: 'k1' }, audience: API });
    const principal = await verifier.verify(bearer(await client.getToken()));
    expect(principal).toMatchObject({ subject: keyed.clientId, organizationId: org });
  });
});
