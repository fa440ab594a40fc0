// RP-initiated logout: Keyward's own pages, which cannot be framed and run no script, and an
// explicit button that ends the session (or keeps it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { authorize, BrowserSession, codeExchange, pkcePair, type TestUser } from '../helpers/oauth-flow.js';

const REDIRECT = 'https://app.example/cb';
let server: TestServer;
let app: { clientId: string; clientSecret: string };
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  const org = await server.createOrg();
  app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read' });
  user = await server.createUser([org]);
});
afterAll(() => server.stop());

function expectProtectedPage(res: Response, html: string): void {
  expect(res.headers.get('content-type')).toContain('text/html');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(html).not.toMatch(/<script/i);
  expect(html).toContain('/assets/keyward.css');
}

/** The xsrf value and confirm URL of the logout page's form. */
function logoutForm(html: string): { action: string; xsrf: string } {
  const action = /<form id="op\.logoutForm" method="post" action="([^"]+)"/.exec(html)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !xsrf) throw new Error(`no logout form: ${html.slice(0, 300)}`);
  return { action, xsrf };
}

/** Whether the session still signs the user in without a page (prompt=none). */
async function stillSignedIn(session: BrowserSession): Promise<boolean> {
  const redirect = await authorize(server, { clientId: app.clientId, redirectUri: REDIRECT, scope: 'invoices:read', user, challenge: pkcePair().challenge, extra: { prompt: 'none' } }, session);
  return redirect.searchParams.has('code');
}

describe('logout', () => {
  it('asks with a page of its own that cannot be framed, runs no script and needs a button press, even with nobody signed in', async () => {
    const session = new BrowserSession(server);
    const res = await session.get('/oauth2/logout');
    const html = await res.text();
    expect(res.status).toBe(200);
    expectProtectedPage(res, html);
    expect(html).toMatch(/<button[^>]+form="op\.logoutForm"[^>]+name="logout"[^>]+value="yes"/);
    const { action, xsrf } = logoutForm(html);
    expect(action).toMatch(/\/oauth2\/logout\/confirm$/);
    const confirmed = await session.post(new URL(action, server.url).pathname, { xsrf, logout: 'yes' });
    const done = await session.get(confirmed.headers.get('location')!);
    expect(await done.text()).toContain('Signed out');
  });

  it.each(['/oauth2/LogOut', '/oauth2/logout/'])('asks with the same page at %s, which oidc-provider routes to logout too', async (path) => {
    const session = new BrowserSession(server);
    const res = await session.get(path);
    const html = await res.text();
    expect(res.status).toBe(200);
    expectProtectedPage(res, html);
    expect(html).toMatch(/<button[^>]+form="op\.logoutForm"[^>]+name="logout"[^>]+value="yes"/);
    expect(logoutForm(html).action).toMatch(/\/oauth2\/logout\/confirm$/);
  });

  it('ends the session when the user presses Sign out, and says so on a protected page', async () => {
    const session = new BrowserSession(server);
    await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user }, session);
    expect(await stillSignedIn(session)).toBe(true);
    const page = await session.get('/oauth2/logout');
    const { action, xsrf } = logoutForm(await page.text());
    const confirmed = await session.post(new URL(action, server.url).pathname, { xsrf, logout: 'yes' });
    expect([302, 303]).toContain(confirmed.status);
    const done = await session.get(confirmed.headers.get('location')!);
    const html = await done.text();
    expectProtectedPage(done, html);
    expect(html).toContain('Signed out');
    expect(await stillSignedIn(session)).toBe(false);
  });

  it('keeps the session when the user presses Stay signed in', async () => {
    const session = new BrowserSession(server);
    await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user }, session);
    const { action, xsrf } = logoutForm(await (await session.get('/oauth2/logout')).text());
    await session.post(new URL(action, server.url).pathname, { xsrf });
    expect(await stillSignedIn(session)).toBe(true);
  });
});
