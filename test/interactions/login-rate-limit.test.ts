// Password spraying from one address: failures across many accounts are limited per IP
// (checklist E45). A server of its own, so its counters start at zero.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { authorizeUrl, BrowserSession, csrfOf, formAction, pkcePair, type TestUser } from '../helpers/oauth-flow.js';

let server: TestServer;
let clientId: string;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  const org = await server.createOrg();
  ({ clientId } = await server.createClient({ org, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'] }));
  user = await server.createUser([org]);
});
afterAll(() => server.stop());

async function attempt(email: string, password: string) {
  const session = new BrowserSession(server);
  const start = await session.get(authorizeUrl(server, { clientId, redirectUri: 'https://app.example/cb', scope: 'invoices:read', challenge: pkcePair().challenge }));
  const html = await (await session.get(start.headers.get('location')!)).text();
  return session.post(formAction(html, 'login')!, { csrf: csrfOf(html), email, password });
}

describe('login rate limit per IP', () => {
  it('answers 429 with Retry-After once one address has failed 30 times across accounts (checklist E45)', async () => {
    for (let i = 0; i < 30; i++) expect((await attempt(`spray-${i}@example.com`, 'Winter2026!')).status).toBe(401);
    const blocked = await attempt(user.email, user.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.text()).toContain('Too many failed attempts');
  }, 60_000);
});
