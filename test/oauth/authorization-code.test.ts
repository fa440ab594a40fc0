import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { authorize, authorizeUrl, basic, codeExchange, pkcePair, postForm } from '../helpers/oauth-flow.js';
import type { TestUser } from '../helpers/oauth-flow.js';
import { storedRecordId } from '../../src/adapters/bearer-state.js';

const REDIRECT = 'https://app.example/cb';
let server: TestServer;
let org: string;
let user: TestUser;
let app: { clientId: string; clientSecret: string };
let other: { clientId: string; clientSecret: string };

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg();
  user = await server.createUser([org]);
  app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read invoices:write' });
  other = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [REDIRECT] });
});
afterAll(() => server.stop());

const auth = (c: { clientId: string; clientSecret: string }) => ({ authorization: basic(c.clientId, c.clientSecret) });
const flow = { redirectUri: REDIRECT, scope: 'invoices:read', organizationId: '' };
const exchange = (c = app) => codeExchange(server, c, { ...flow, organizationId: org, user });
const refresh = (refreshToken: string, c = app) =>
  postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: refreshToken }, auth(c));
const introspect = (token: string, c = app) => postForm(server, '/oauth2/introspect', { token }, auth(c));

describe('authorization code + PKCE', () => {
  it('issues a JWT access token stamped with the consented organization, and a refresh token; iss in the response (checklist A7)', async () => {
    const { token, redirect } = await exchange();
    expect(redirect.searchParams.get('iss')).toBe(server.url); // RFC 9207
    expect(token.status).toBe(200);
    expect(token.body.refresh_token).toEqual(expect.any(String));
    const { payload } = await jwtVerify(String(token.body.access_token), createRemoteJWKSet(new URL(`${server.url}/oauth2/jwks`)), {
      issuer: server.url,
      audience: server.services.config.resources[0],
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({ sub: user.id, client_id: app.clientId, scope: 'invoices:read', organizationId: org });
  });

  it('lets a public client (an SPA) redeem its code with PKCE and no secret, from its own origin only (CORS)', async () => {
    const spaRedirect = 'https://spa.example/cb';
    const spa = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [spaRedirect], isPublic: true, scope: 'invoices:read' });
    const { verifier, challenge } = pkcePair();
    const redirect = await authorize(server, { ...flow, organizationId: org, user, redirectUri: spaRedirect, clientId: spa.clientId, challenge });
    const form = { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: spaRedirect, code_verifier: verifier, client_id: spa.clientId };
    const foreign = await postForm(server, '/oauth2/token', form, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.body.access_token).toBeUndefined();
    const own = await postForm(server, '/oauth2/token', form, { origin: 'https://spa.example' });
    expect(own.status).toBe(200);
    expect(own.headers.get('access-control-allow-origin')).toBe('https://spa.example');
    expect(own.body.access_token).toEqual(expect.any(String));
  });

  it('requires PKCE (checklist A9)', async () => {
    const res = await fetch(authorizeUrl(server, { clientId: app.clientId, redirectUri: REDIRECT, scope: 'invoices:read' }), {
      redirect: 'manual',
    });
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses the plain method (checklist A10)', async () => {
    const res = await fetch(
      authorizeUrl(server, {
        clientId: app.clientId,
        redirectUri: REDIRECT,
        scope: 'invoices:read',
        extra: { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
      }),
      { redirect: 'manual' },
    );
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses a code used twice and revokes the tokens it issued (checklist B15)', async () => {
    const { code, verifier, token } = await exchange();
    const again = await postForm(
      server,
      '/oauth2/token',
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier },
      auth(app),
    );
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    expect((await introspect(String(token.body.access_token))).body).toEqual({ active: false });
    expect((await refresh(String(token.body.refresh_token))).body.error).toBe('invalid_grant');
  });

  // Exactly one wins the compare-and-set; a redemption arriving after the win is a replay and
  // revokes the grant (B15, RFC 6749 §4.1.2), which usually takes the winner down too, before it
  // has issued anything. So: never more than one token, every other answer invalid_grant, a
  // replay counted as such (the code was consumed, not refused for some other reason), and
  // whatever the winner got revoked.
  it('lets at most one of many concurrent redemptions of a code succeed, and revokes what it got (checklist B15)', async () => {
    const reused = () => server.services.metrics.registry.getSingleMetric('keyward_grant_source_reuse_total')!.get();
    const replaysBefore = (await reused()).values.find((v) => v.labels.kind === 'authorization_code')?.value ?? 0;
    const { verifier, challenge } = pkcePair();
    const redirect = await authorize(server, { ...flow, organizationId: org, user, clientId: app.clientId, challenge });
    const code = redirect.searchParams.get('code')!;
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        postForm(server, '/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, auth(app)),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners.length).toBeLessThanOrEqual(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.error).toBe('invalid_grant');
    const replays = ((await reused()).values.find((v) => v.labels.kind === 'authorization_code')?.value ?? 0) - replaysBefore;
    // The first replay revokes the grant and the code with it; later ones find nothing to replay.
    expect(replays).toBeGreaterThanOrEqual(1);
    for (const winner of winners) expect((await introspect(String(winner.body.access_token))).body).toEqual({ active: false });
  });

  it('refuses a code past its lifetime (checklist B16)', async () => {
    const { verifier, challenge } = pkcePair();
    const redirect = await authorize(server, { ...flow, organizationId: org, user, clientId: app.clientId, challenge });
    const code = redirect.searchParams.get('code')!;
    // Codes live 60 s; rather than wait, let Redis expire this one now, as it would then.
    const { redis, config, keyring } = server.services;
    const key = `${config.redisKeyPrefix}AuthorizationCode:{${storedRecordId(keyring.protocolState, 'AuthorizationCode', code)}}`;
    const ttl = await redis!.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    await redis!.pexpire(key, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const res = await postForm(server, '/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, auth(app));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('binds the code to its redirect_uri (checklist B17)', async () => {
    const { verifier, challenge } = pkcePair();
    const redirect = await authorize(server, { ...flow, organizationId: org, user, clientId: app.clientId, challenge });
    const res = await postForm(
      server,
      '/oauth2/token',
      { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: 'https://app.example/other', code_verifier: verifier },
      auth(app),
    );
    expect(res.body.error).toBe('invalid_grant');
  });

  it.each([
    ['a wrong verifier', 'x'.repeat(43)],
    ['no verifier', undefined],
  ])('refuses %s (checklist B18)', async (_label, verifier) => {
    const { challenge } = pkcePair();
    const redirect = await authorize(server, { ...flow, organizationId: org, user, clientId: app.clientId, challenge });
    const form: Record<string, string> = { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: REDIRECT };
    if (verifier) form.code_verifier = verifier;
    const res = await postForm(server, '/oauth2/token', form, auth(app));
    expect(res.body.error).toBe('invalid_grant');
  });
});

describe('refresh tokens', () => {
  it('rotates on use and keeps organizationId (checklist C24)', async () => {
    const { token } = await exchange();
    const rt1 = String(token.body.refresh_token);
    const next = await refresh(rt1);
    expect(next.status).toBe(200);
    const rt2 = String(next.body.refresh_token);
    expect(rt2).not.toBe(rt1);
    const { payload } = await jwtVerify(String(next.body.access_token), createRemoteJWKSet(new URL(`${server.url}/oauth2/jwks`)));
    expect(payload.organizationId).toBe(org);
  });

  it('revokes the whole grant when a rotated-out token is presented again (checklist C25)', async () => {
    const { token } = await exchange();
    const rt1 = String(token.body.refresh_token);
    const next = await refresh(rt1);
    const rt2 = String(next.body.refresh_token);
    const reuse = await refresh(rt1);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await refresh(rt2)).body.error).toBe('invalid_grant');
    expect((await introspect(String(next.body.access_token))).body).toEqual({ active: false });
    expect((await introspect(String(token.body.access_token))).body).toEqual({ active: false });
  });

  it('lets at most one of 20 concurrent refreshes succeed (checklist C26)', async () => {
    const { token } = await exchange();
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(String(token.body.refresh_token))));
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.error).toBe('invalid_grant');
  });

  it('refuses another client presenting the token, and the token stays usable by its owner (checklist C27)', async () => {
    const { token } = await exchange();
    const stolen = await refresh(String(token.body.refresh_token), other);
    expect(stolen.body.error).toBe('invalid_grant');
    expect((await refresh(String(token.body.refresh_token))).status).toBe(200);
  });

  it('revocation of a refresh token revokes its grant (checklist C28)', async () => {
    const { token } = await exchange();
    const rt = String(token.body.refresh_token);
    const revoked = await postForm(server, '/oauth2/revoke', { token: rt, token_type_hint: 'refresh_token' }, auth(app));
    expect(revoked.status).toBe(200);
    expect((await refresh(rt)).body.error).toBe('invalid_grant');
    expect((await introspect(String(token.body.access_token))).body).toEqual({ active: false });
  });
});

describe('introspection', () => {
  it('answers active for a live JWT access token and a live refresh token', async () => {
    const { token } = await exchange();
    const at = await introspect(String(token.body.access_token));
    expect(at.headers.get('cache-control')).toContain('no-store');
    expect(at.body).toMatchObject({ active: true, token_type: 'Bearer', client_id: app.clientId, sub: user.id, scope: 'invoices:read', organizationId: org });
    const rt = await introspect(String(token.body.refresh_token));
    expect(rt.body).toMatchObject({ active: true, token_type: 'refresh_token', client_id: app.clientId, organizationId: org });
  });

  it('hides another client\'s tokens unless the caller is a resource server (checklist D37)', async () => {
    const { token } = await exchange();
    expect((await introspect(String(token.body.access_token), other)).body).toEqual({ active: false });
    const rs = await server.createClient({ org, grants: ['client_credentials'], introspect: true });
    expect((await introspect(String(token.body.access_token), rs)).body).toMatchObject({ active: true });
  });

  it('requires client authentication (checklist D37)', async () => {
    const res = await postForm(server, '/oauth2/introspect', { token: 'anything' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it.each([
    ['garbage', 'garbage'],
    ['a malformed JWT', 'a.b.c'],
    ['an unsigned JWT', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
    ['an oversized token', 'x'.repeat(10_000)],
  ])('answers {active:false} for %s', async (_label, t) => {
    expect((await introspect(t)).body).toEqual({ active: false });
  });
});

describe('revocation', () => {
  it('answers 200 for an unknown token and 401 without client authentication (checklist D38)', async () => {
    expect((await postForm(server, '/oauth2/revoke', { token: 'garbage' }, auth(app))).status).toBe(200);
    expect((await postForm(server, '/oauth2/revoke', { token: 'garbage' })).status).toBe(401);
  });

  it('refuses to revoke another client\'s token and leaves it active (checklist D38)', async () => {
    const { token } = await exchange();
    const res = await postForm(server, '/oauth2/revoke', { token: String(token.body.refresh_token) }, auth(other));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unauthorized_client');
    expect((await introspect(String(token.body.refresh_token))).body).toMatchObject({ active: true });
  });

  it('revokes a single JWT access token', async () => {
    const { token } = await exchange();
    const at = String(token.body.access_token);
    expect((await postForm(server, '/oauth2/revoke', { token: at }, auth(app))).status).toBe(200);
    expect((await introspect(at)).body).toEqual({ active: false });
    // The grant lives on: the refresh token still works.
    expect((await refresh(String(token.body.refresh_token))).status).toBe(200);
  });
});
