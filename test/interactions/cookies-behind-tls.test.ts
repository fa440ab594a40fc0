// Behind a TLS-terminating proxy (TRUST_PROXY=1, https issuer) the interaction cookies are
// Secure, and discovery advertises https endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { authorizeUrl, pkcePair } from '../helpers/oauth-flow.js';

let server: TestServer;
let clientId: string;

beforeAll(async () => {
  server = await startTestServer({ env: { ISSUER: 'https://auth.example.com', TRUST_PROXY: '1' } });
  const org = await server.createOrg();
  ({ clientId } = await server.createClient({ org, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'] }));
});
afterAll(() => server.stop());

const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'auth.example.com' };

describe('behind a TLS proxy', () => {
  it('sets Secure, HttpOnly, SameSite=Lax cookies (checklist E41)', async () => {
    const url = authorizeUrl(server, { clientId, redirectUri: 'https://app.example/cb', scope: 'invoices:read', challenge: pkcePair().challenge });
    const local = new URL(url);
    const res = await fetch(`${server.running.url}${local.pathname}${local.search}`, {
      headers: forwarded,
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    const cookies = res.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toMatch(/; secure.*httponly|httponly.*; secure/);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toContain('samesite=lax');
  });

  it('advertises https endpoints in discovery', async () => {
    const res = await fetch(`${server.running.url}/.well-known/openid-configuration`, { headers: forwarded });
    const meta = (await res.json()) as Record<string, string>;
    expect(meta.issuer).toBe('https://auth.example.com');
    expect(meta.token_endpoint).toBe('https://auth.example.com/oauth2/token');
  });
});
