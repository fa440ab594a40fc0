// Checklist A: the authorization endpoint never redirects to an unvalidated URI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { authorize, authorizeUrl, pkcePair } from '../helpers/oauth-flow.js';
import type { TestUser } from '../helpers/oauth-flow.js';

const REDIRECT = 'https://app.example/cb';
let server: TestServer;
let org: string;
let user: TestUser;
let app: { clientId: string; clientSecret: string };
let twoUris: { clientId: string; clientSecret: string };
let withQuery: { clientId: string; clientSecret: string };

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg();
  user = await server.createUser([org]);
  app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [REDIRECT] });
  twoUris = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [REDIRECT, 'https://app.example/cb2'] });
  withQuery = await server.createClient({ org, grants: ['authorization_code'], redirectUris: ['https://app.example/cb?x=1'] });
});
afterAll(() => server.stop());

const { challenge } = pkcePair();
const get = (url: string) => fetch(url, { redirect: 'manual' });
const request = (clientId: string, redirectUri: string, extra: Record<string, string> = {}) =>
  authorizeUrl(server, { clientId, redirectUri, scope: 'invoices:read', challenge, extra });

async function expectErrorPage(res: Response) {
  expect(res.status).toBe(400);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('content-type')).toContain('text/html');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
}

describe('redirect URI matching', () => {
  it.each([
    'https://app.example/cb/../evil',
    'https://app.example/cb/extra',
    'https://app.example/cbx',
    'https://app.example.evil.com/cb',
    'HTTPS://APP.EXAMPLE/cb',
    'https://app.example/cb;x',
    'https://app.example/cb/..;/',
    'https://app.example/cb?a=b',
    'https://user@evil.example@app.example/cb',
  ])('renders an error page and never redirects for %s (checklists A1, A2)', async (uri) => {
    await expectErrorPage(await get(request(app.clientId, uri)));
  });

  it('matches the query component exactly (checklist A2)', async () => {
    await expectErrorPage(await get(request(withQuery.clientId, 'https://app.example/cb?x=2')));
    await expectErrorPage(await get(request(withQuery.clientId, 'https://app.example/cb?x=1&y=2')));
    const ok = await get(request(withQuery.clientId, 'https://app.example/cb?x=1'));
    expect(ok.status).toBe(303);
  });

  it('requires redirect_uri when the client has several (checklist A3)', async () => {
    const url = new URL(request(twoUris.clientId, REDIRECT));
    url.searchParams.delete('redirect_uri');
    const res = await get(url.toString());
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('never redirects for an unknown client, even with another error in the request (checklist A5)', async () => {
    await expectErrorPage(await get(request('cli_unknown', REDIRECT, { prompt: 'none', scope: 'nonsense' })));
    await expectErrorPage(await get(request(app.clientId, 'https://evil.example/cb', { prompt: 'none' })));
  });
});

describe('authorization responses', () => {
  it('sends errors to the registered URI with iss and the exact state; prompt=none logged out (checklists A7, A8, E43)', async () => {
    const state = `${'s'.repeat(400)}%2F%3D%E2%9C%93${'-_.~'.repeat(20)}`;
    const res = await get(request(app.clientId, REDIRECT, { prompt: 'none', state: decodeURIComponent(state) }));
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('login_required'); // checklist E43
    expect(location.searchParams.get('iss')).toBe(server.url);
    expect(location.searchParams.get('state')).toBe(decodeURIComponent(state));
  });

  it('echoes state on success and allows leaving it out (checklist A8)', async () => {
    const withState = await authorize(server, { clientId: app.clientId, redirectUri: REDIRECT, scope: 'invoices:read', challenge, organizationId: org, user, state: 'xyz' });
    expect(withState.searchParams.get('state')).toBe('xyz');
    const without = await authorize(server, { clientId: app.clientId, redirectUri: REDIRECT, scope: 'invoices:read', challenge, organizationId: org, user });
    expect(without.searchParams.get('code')).toBeTruthy();
    expect(without.searchParams.has('state')).toBe(false);
  });

  it.each(['42 chars', '129 chars', 'bad chars'])('refuses a malformed code_challenge: %s (checklist A11)', async (kind) => {
    const value = kind === '42 chars' ? 'a'.repeat(42) : kind === '129 chars' ? 'a'.repeat(129) : `${'a'.repeat(40)}+/==`;
    const url = new URL(request(app.clientId, REDIRECT));
    url.searchParams.set('code_challenge', value);
    const location = new URL((await get(url.toString())).headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it.each(['token', 'code id_token', 'id_token'])('refuses response_type=%s without a token in any fragment (checklist A12)', async (type) => {
    const url = new URL(request(app.clientId, REDIRECT));
    url.searchParams.set('response_type', type);
    const res = await get(url.toString());
    const location = res.headers.get('location') ?? '';
    expect(location).not.toMatch(/access_token|id_token=/);
    expect(location).toBeTruthy();
    // Implicit-style types answer in the fragment, as RFC 6749 §4.2.2.1 says.
    const back = new URL(location);
    const params = new URLSearchParams(back.search || back.hash.slice(1));
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(params.get('error')).toBe('unsupported_response_type');
  });

  it('ignores unknown parameters and refuses repeated ones (checklist A13)', async () => {
    const ok = await get(request(app.clientId, REDIRECT, { foo: 'bar' }));
    expect(ok.headers.get('location')).toMatch(/^\/interaction\//);
    const repeated = `${request(app.clientId, REDIRECT)}&scope=invoices:write`;
    const res = await get(repeated);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses an unknown scope at /authorize (checklist B23)', async () => {
    const location = new URL((await get(authorizeUrl(server, { clientId: app.clientId, redirectUri: REDIRECT, scope: 'admin', challenge }))).headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
  });

  it.each([
    ['relative', 'api'],
    ['with a fragment', `${'https://api.example/'}#f`],
    ['unknown', 'https://unknown.example/'],
  ])('refuses a %s resource indicator with invalid_target (checklist A14)', async (_label, resource) => {
    const location = new URL((await get(request(app.clientId, REDIRECT, { resource }))).headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_target');
  });
});
