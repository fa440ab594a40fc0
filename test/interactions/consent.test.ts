// Login, organization picker and consent over real HTTP (checklist E and the consent issue).
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  authorize,
  authorizeUrl,
  basic,
  BrowserSession,
  codeExchange,
  csrfOf,
  formAction,
  pkcePair,
  postForm,
  type TestUser,
} from '../helpers/oauth-flow.js';

const REDIRECT = 'https://app.example/cb';
let server: TestServer;
let vendor: string; // the app's owner
let pro: string;
let council: string;
let app: { clientId: string; clientSecret: string };
let soloUser: TestUser;
let multiUser: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  vendor = await server.createOrg('council');
  pro = await server.createOrg('pro');
  council = await server.createOrg('council');
  app = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read invoices:write payouts:read' });
  soloUser = await server.createUser([pro]);
  multiUser = await server.createUser([pro, council]);
});
afterAll(() => server.stop());

const auth = { get authorization() { return basic(app.clientId, app.clientSecret); } };
const jwks = () => createRemoteJWKSet(new URL(`${server.url}/oauth2/jwks`));

/** Starts an authorization and returns the first page shown (the login page). */
async function startLogin(session: BrowserSession, scope = 'invoices:read') {
  const { challenge } = pkcePair();
  const start = await session.get(authorizeUrl(server, { clientId: app.clientId, redirectUri: REDIRECT, scope, challenge }));
  const page = await session.get(start.headers.get('location')!);
  return { page, html: await page.text() };
}

describe('login page', () => {
  it('forbids framing and inline script, and sets HttpOnly SameSite=Lax cookies (checklists E40, E44)', async () => {
    const session = new BrowserSession(server);
    const { challenge } = pkcePair();
    const start = await session.get(authorizeUrl(server, { clientId: app.clientId, redirectUri: REDIRECT, scope: 'invoices:read', challenge }));
    for (const cookie of start.headers.getSetCookie()) {
      expect(cookie.toLowerCase()).toContain('httponly');
      expect(cookie.toLowerCase()).toContain('samesite=lax');
    }
    const page = await session.get(start.headers.get('location')!);
    const html = await page.text();
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    // same-origin: the form posts must carry a real Origin (no-referrer makes it "null").
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
    expect(start.headers.get('referrer-policy')).toBe('no-referrer');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('name="password"');
  });

  it('says the same thing for an unknown email and a wrong password (checklist E45)', async () => {
    const wrong = new BrowserSession(server);
    const a = await startLogin(wrong);
    const wrongRes = await wrong.post(formAction(a.html, 'login')!, { csrf: csrfOf(a.html), email: soloUser.email, password: 'not-the-password' });
    const unknown = new BrowserSession(server);
    const b = await startLogin(unknown);
    const unknownRes = await unknown.post(formAction(b.html, 'login')!, { csrf: csrfOf(b.html), email: 'nobody@example.com', password: 'not-the-password' });
    expect(wrongRes.status).toBe(401);
    expect(unknownRes.status).toBe(401);
    const message = (html: string) => /role="alert">([^<]+)</.exec(html)?.[1];
    expect(message(await wrongRes.text())).toBe('The email or password is incorrect.');
    expect(message(await unknownRes.text())).toBe('The email or password is incorrect.');
  });

  it('spends as long on an unknown email as on a wrong password (checklist E45)', async () => {
    const time = async (email: string) => {
      const session = new BrowserSession(server);
      const { html } = await startLogin(session);
      const started = performance.now();
      const res = await session.post(formAction(html, 'login')!, { csrf: csrfOf(html), email, password: 'not-the-password' });
      const elapsed = performance.now() - started;
      expect(res.status).toBe(401); // a 429 would be fast for another reason
      return elapsed;
    };
    // Two accounts, three failures each: under the per-account limit of five.
    const users = [await server.createUser([pro]), await server.createUser([pro])];
    const known: number[] = [];
    const missing: number[] = [];
    // Interleaved, and enough of them that a loaded machine's stalls do not decide the medians
    // (four pairs once gave 2.5x on a machine running two suites at once).
    for (let i = 0; i < 6; i++) {
      known.push(await time(users[i % 2]!.email));
      missing.push(await time(`ghost-${i}@example.com`));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    // Both pay for an argon2id verification (tens of ms); without the decoy a missing user
    // would answer in about a millisecond.
    expect(median(missing) / median(known)).toBeGreaterThan(0.5);
    expect(median(missing) / median(known)).toBeLessThan(2);
  });

  it('rate-limits failures per account and address with 429 and Retry-After, even for the right password (checklist E45)', async () => {
    const victim = await server.createUser([pro]);
    const session = new BrowserSession(server);
    for (let i = 0; i < 5; i++) {
      const { html } = await startLogin(session);
      const res = await session.post(formAction(html, 'login')!, { csrf: csrfOf(html), email: victim.email, password: `wrong-${i}` });
      expect(res.status).toBe(401);
    }
    const { html } = await startLogin(session);
    const blocked = await session.post(formAction(html, 'login')!, { csrf: csrfOf(html), email: victim.email, password: victim.password });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account from the same address is unaffected.
    const other = await authorize(server, { clientId: app.clientId, redirectUri: REDIRECT, scope: 'invoices:read', user: soloUser, challenge: pkcePair().challenge });
    expect(other.searchParams.get('code')).toBeTruthy();
  });
});

describe('organization picker and consent', () => {
  it('skips the picker for a one-organization user and stamps that organization', async () => {
    const session = new BrowserSession(server);
    const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user: soloUser }, session);
    expect(session.pages.some((p) => p.html.includes('Choose an organization'))).toBe(false);
    const { payload } = await jwtVerify(String(token.body.access_token), jwks());
    expect(payload.organizationId).toBe(pro);
  });

  it('lists only the user\'s organizations and stamps the one picked', async () => {
    const session = new BrowserSession(server);
    const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user: multiUser, organizationId: council }, session);
    const picker = session.pages.find((p) => p.html.includes('Choose an organization'))!;
    const offered = [...picker.html.matchAll(/name="organization_id" value="([^"]+)"/g)].map((m) => m[1]);
    expect(offered.sort()).toEqual([pro, council].sort());
    const { payload } = await jwtVerify(String(token.body.access_token), jwks());
    expect(payload.organizationId).toBe(council);
  });

  it('refuses an organization the user does not belong to', async () => {
    const session = new BrowserSession(server);
    await expect(
      codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user: multiUser, organizationId: vendor }, session),
    ).rejects.toThrow(/unexpected 400/);
  });

  it('shows the app, its owner and each scope in plain words; grants only what the plan allows', async () => {
    const user = await server.createUser([pro]);
    const session = new BrowserSession(server);
    const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read payouts:read', user }, session);
    const consent = session.pages.find((p) => p.html.includes('/confirm'))!;
    expect(consent.html).toContain('Authorize Test Client');
    expect(consent.html).toContain('Test Org'); // the owner organization's name
    expect(consent.html).toContain('View invoices');
    expect(consent.html).toMatch(/Not available to[\s\S]*View payouts/);
    expect(token.body.scope).toBe('invoices:read');
    expect(decodeJwt(String(token.body.access_token)).scope).toBe('invoices:read');
  });

  it('grants a plan-limited scope on a plan that has it', async () => {
    const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read payouts:read', user: multiUser, organizationId: council });
    expect(String(token.body.scope).split(' ').sort()).toEqual(['invoices:read', 'payouts:read']);
  });

  it('returns access_denied with iss and state when the user denies', async () => {
    const user = await server.createUser([pro]);
    const redirect = await authorize(server, { clientId: app.clientId, redirectUri: REDIRECT, scope: 'invoices:read', user, challenge: pkcePair().challenge, state: 'st-1', deny: true });
    expect(redirect.origin + redirect.pathname).toBe(REDIRECT);
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('iss')).toBe(server.url);
    expect(redirect.searchParams.get('state')).toBe('st-1');
    expect(redirect.searchParams.get('code')).toBeNull();
  });

  it('skips consent the second time for the same app, organization and scopes, and asks again for a new scope', async () => {
    const user = await server.createUser([pro]);
    const first = new BrowserSession(server);
    await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user }, first);
    expect(first.pages.some((p) => p.html.includes('/confirm'))).toBe(true);

    const again = new BrowserSession(server); // a new browser: login again, but no consent
    const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user }, again);
    expect(token.status).toBe(200);
    expect(again.pages.some((p) => p.html.includes('/confirm'))).toBe(false);

    const more = new BrowserSession(server);
    await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read invoices:write', user }, more);
    expect(more.pages.some((p) => p.html.includes('/confirm'))).toBe(true);
  });

  it('asks a multi-organization user to pick each time, then skips consent for an organization already granted', async () => {
    const user = await server.createUser([pro, council]);
    await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user, organizationId: council });
    const session = new BrowserSession(server);
    const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user, organizationId: council }, session);
    expect(session.pages.some((p) => p.html.includes('Choose an organization'))).toBe(true);
    expect(session.pages.some((p) => p.html.includes('/confirm'))).toBe(false);
    expect(decodeJwt(String(token.body.access_token)).organizationId).toBe(council);
  });

  it('keeps organizationId across refreshes, in userinfo and in introspection', async () => {
    const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user: multiUser, organizationId: council });
    const refreshed = await postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: String(token.body.refresh_token) }, auth);
    const at = String(refreshed.body.access_token);
    expect(decodeJwt(at).organizationId).toBe(council);
    const userinfo = await fetch(`${server.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${at}` } });
    expect(await userinfo.json()).toEqual({ sub: multiUser.id, email: multiUser.email, organizationId: council });
    const introspected = await postForm(server, '/oauth2/introspect', { token: at }, auth);
    expect(introspected.body).toMatchObject({ active: true, sub: multiUser.id, organizationId: council });
  });

  it('stops refreshes for a user removed from the organization', async () => {
    const user = await server.createUser([pro]);
    const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user });
    await server.services.members.remove({ organizationId: pro, id: 'test', grantor: { kind: 'operator' } }, user.id);
    const refreshed = await postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: String(token.body.refresh_token) }, auth);
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('answers prompt=none for a signed-in user with a code and no page (checklist E43)', async () => {
    const user = await server.createUser([pro]);
    const session = new BrowserSession(server);
    await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user }, session);
    const pages = session.pages.length;
    const silent = await authorize(server, { clientId: app.clientId, redirectUri: REDIRECT, scope: 'invoices:read', user, challenge: pkcePair().challenge, extra: { prompt: 'none' } }, session);
    expect(silent.searchParams.get('code')).toBeTruthy();
    expect(session.pages.length).toBe(pages);
  });
});

describe('redirect status after form posts (checklist A6)', () => {
  it('answers login and consent posts with 303, never 307', async () => {
    const user = await server.createUser([pro]);
    const session = new BrowserSession(server);
    const { html } = await startLogin(session);
    const afterLogin = await session.post(formAction(html, 'login')!, { csrf: csrfOf(html), email: user.email, password: user.password });
    expect(afterLogin.status).toBe(303);
    let res = afterLogin;
    while (res.status === 303 && new URL(res.headers.get('location')!, server.url).origin === new URL(server.url).origin) {
      res = await session.get(res.headers.get('location')!);
    }
    const consent = await res.text();
    const afterConsent = await session.post(formAction(consent, 'confirm')!, { csrf: csrfOf(consent) });
    expect(afterConsent.status).toBe(303);
    const final = await session.get(afterConsent.headers.get('location')!);
    expect(final.status).toBe(303);
    expect(final.headers.get('location')).toMatch(/^https:\/\/app\.example\/cb\?code=/);
  });
});

describe('forms and error pages', () => {
  async function atConsent() {
    const user = await server.createUser([pro]);
    const session = new BrowserSession(server);
    const { html } = await startLogin(session);
    let res = await session.post(formAction(html, 'login')!, { csrf: csrfOf(html), email: user.email, password: user.password });
    while (res.status === 303) {
      const next = new URL(res.headers.get('location')!, server.url);
      res = await session.get(next.toString());
    }
    const consent = await res.text();
    return { session, consent, confirm: formAction(consent, 'confirm')! };
  }

  it('refuses a consent post without the CSRF token, or from another origin, and issues no code (checklist E41)', async () => {
    const { session, consent, confirm } = await atConsent();
    const noToken = await session.post(confirm, {});
    expect(noToken.status).toBe(403);
    expect(noToken.headers.get('location')).toBeNull();
    const foreign = await session.post(confirm, { csrf: csrfOf(consent) }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const crossSite = await session.post(confirm, { csrf: csrfOf(consent) }, { 'sec-fetch-site': 'cross-site', origin: '' });
    expect(crossSite.status).toBe(403);
    // The genuine post still works afterwards: nothing above consumed the interaction.
    const ok = await session.post(confirm, { csrf: csrfOf(consent) });
    expect(ok.status).toBe(303);
  });

  it('refuses a consent post without the interaction cookie (checklist E41)', async () => {
    const { consent, confirm } = await atConsent();
    const stranger = new BrowserSession(server);
    const res = await stranger.post(confirm, { csrf: csrfOf(consent) });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('expired');
  });

  it('escapes a hostile app name on every page (checklist E44)', async () => {
    const hostile = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: [REDIRECT] });
    await server.services.database.db.updateTable('oauth_clients').set({ name: '<script>alert(1)</script>' }).where('client_id', '=', hostile.clientId).execute();
    const session = new BrowserSession(server);
    const { challenge } = pkcePair();
    const start = await session.get(authorizeUrl(server, { clientId: hostile.clientId, redirectUri: REDIRECT, scope: 'invoices:read', challenge }));
    const html = await (await session.get(start.headers.get('location')!)).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('renders an error page for an unknown interaction', async () => {
    const res = await fetch(`${server.url}/interaction/nope`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(await res.text()).toContain('expired');
  });

  it('renders an error page, never a redirect, for an unknown client (checklist A5)', async () => {
    const res = await fetch(authorizeUrl(server, { clientId: 'cli_missing', redirectUri: REDIRECT, scope: 'invoices:read', challenge: pkcePair().challenge }), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Unknown application');
  });
});
