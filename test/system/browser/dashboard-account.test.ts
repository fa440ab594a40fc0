// What is the signed-in person's own on the dashboard, in a real browser: their organizations
// and the switcher, invitations, the third-party apps acting for them (authorized through the
// consent page, revoked here, refused at the token endpoint after), signing out; and the
// headers and sign-in every dashboard page shares.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { authorizeUrl, basic, pkcePair, postForm, type TestUser } from '../../helpers/oauth-flow.js';
import { csrfOn, introspection, openDashboard, postFrom, screenshot, type Dashboard } from './dashboard-helpers.js';

const REDIRECT = 'https://app.example/callback';
let server: TestServer;
let dash: Dashboard;
let org: string;
let other: string;
let admin: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg('pro');
  other = await server.createOrg('council');
  admin = await server.createUser([{ org, role: 'admin' }, { org: other, role: 'member' }]);
  dash = await openDashboard(server);
});
afterAll(async () => {
  await dash?.close();
  await server.stop();
});

const operator = (organizationId: string) => ({ organizationId, id: 'test', grantor: { kind: 'operator' as const } });

// A browser beside other suites on two cores: steps take seconds, not milliseconds.
describe('the signed-in person\'s dashboard', { timeout: 120_000 }, () => {
  it('lists their organizations with role and plan, and switches between them keeping the section', async () => {
    const { page } = await dash.signedIn(admin);
    const entries = await page.locator('ul.list li').allTextContents();
    expect(entries).toHaveLength(2);
    expect(entries.join('\n')).toMatch(/admin · pro plan/);
    expect(entries.join('\n')).toMatch(/member · council plan/);

    await page.goto(`${server.url}/dashboard/${org}/apps`);
    await page.selectOption('#org-switch', other);
    await page.click('button:has-text("Switch")');
    await page.waitForURL(`${server.url}/dashboard/${other}/apps`);
    expect(await page.inputValue('#org-switch')).toBe(other);
    await page.goto(`${server.url}/dashboard/switch?org=${org}&section=audit`);
    await page.waitForURL(`${server.url}/dashboard/${org}/audit`);
    const outsider = await server.createOrg('pro');
    for (const query of [`org=${outsider}`, `org=${org}&section=../../oauth2/logout`]) {
      await page.goto(`${server.url}/dashboard/switch?${query}`);
      expect(new URL(page.url()).pathname).toBe(query.includes(outsider) ? '/dashboard' : `/dashboard/${org}/api-keys`);
    }
    await page.close();
  });

  it('accepts an invitation on the home page; then the organization is theirs', async () => {
    const invitee = await server.createUser([]);
    await server.services.members.invite(operator(org), { email: invitee.email, role: 'member' });
    const { page } = await dash.signedIn(invitee);
    await page.waitForSelector('text=invited you to join as member');
    await page.click('button:has-text("Join Test Org")');
    await page.waitForURL(`${server.url}/dashboard/${org}/api-keys`);
    await page.waitForSelector('text=Only the admins of');
    await page.goto(`${server.url}/dashboard`);
    expect(await page.locator('text=Invitations').count()).toBe(0);
    expect(await page.locator('ul.list li').allTextContents()).toEqual([expect.stringContaining('member · pro plan')]);
    const members = await server.services.members.list(operator(org));
    expect(members).toContainEqual(expect.objectContaining({ status: 'active', userId: invitee.id, role: 'member' }));
    await page.close();
  });

  it('lists an app authorized on the consent page with its scopes; revoking it there ends its tokens', async () => {
    const vendor = await server.createOrg('council');
    const app = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read invoices:write' });
    const introspect = introspection(server, await server.createClient({ org: vendor, grants: ['client_credentials'], introspect: true }));
    const person = await server.createUser([{ org, role: 'admin' }]);
    const { page, blocked } = await dash.signedIn(person);
    await page.click('a:has-text("Connected apps")');
    await page.waitForSelector('text=No app acts for you');

    // The app is not running: its callback is answered here, keeping the code.
    let landed: URL | undefined;
    await page.route(`${REDIRECT}**`, async (route) => {
      landed = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the app' });
    });
    const { verifier, challenge } = pkcePair();
    await page.goto(authorizeUrl(server, { clientId: app.clientId, redirectUri: REDIRECT, scope: 'invoices:read invoices:write', challenge, state: 'connected' }));
    await page.waitForSelector('text=wants to access'); // signed in already: straight to consent
    await page.click('text=Approve');
    await page.waitForURL(`${REDIRECT}**`);
    const auth = { authorization: basic(app.clientId, app.clientSecret) };
    const code = { grant_type: 'authorization_code', code: landed!.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier };
    const token = await postForm(server, '/oauth2/token', code, auth);
    expect(token.status).toBe(200);
    const refresh = () => postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: String(token.body.refresh_token) }, auth);
    expect(await introspect(String(token.body.access_token))).toMatchObject({ active: true, organizationId: org });

    await page.goto(`${server.url}/dashboard/connected-apps`);
    const listed = page.locator('ul.list li', { hasText: 'Test Client' });
    await expect(listed.locator('.row span').textContent()).resolves.toBe('Test Client for Test Org');
    expect((await listed.locator('code').textContent())!.split(' ').sort()).toEqual(['invoices:read', 'invoices:write']);
    await screenshot(page, 'dashboard-connected-apps.png');

    // Another person's session cannot revoke it: the grant is looked up as theirs.
    const colleague = await dash.signedIn(await server.createUser([{ org, role: 'admin' }]));
    await colleague.page.goto(`${server.url}/dashboard/${org}/api-keys`);
    const forged = { csrf: await csrfOn(colleague.page), client_id: app.clientId, organization_id: org };
    expect((await postFrom(colleague.context, `${server.url}/dashboard/connected-apps/revoke`, forged)).status).toBe(303);
    expect(await introspect(String(token.body.access_token))).toMatchObject({ active: true });
    await colleague.page.close();

    await listed.locator('button:has-text("Revoke access")').click();
    await page.waitForSelector('text=No app acts for you');
    expect((await refresh()).body.error).toBe('invalid_grant');
    expect(await introspect(String(token.body.access_token))).toEqual({ active: false });
    await page.goto(`${server.url}/dashboard/${org}/audit?action=oauth_grant.`);
    expect(await page.locator('tbody td:nth-child(4)').allTextContents()).toEqual([app.clientId]);
    expect(blocked).toEqual([]);
    await page.close();
  });

  it('ends the dashboard session when the person signs out through /oauth2/logout', async () => {
    const { context, page } = await dash.signedIn(await server.createUser([{ org, role: 'admin' }]));
    await page.goto(`${server.url}/dashboard/${org}/api-keys`);
    const csrf = await csrfOn(page);
    await page.click('a:has-text("Sign out")');
    await page.waitForSelector('text=Do you want to sign out');
    await page.click('button[name=logout]');
    await page.waitForSelector('text=Signed out');
    await page.goto(`${server.url}/dashboard`);
    await page.waitForSelector('#password');
    expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
    // A form of the old session, posted now, is refused as signed out, and does nothing.
    const late = await postFrom(context, `${server.url}/dashboard/${org}/api-keys`, { csrf, name: 'After sign-out' }, { origin: server.url });
    expect(late.status).toBe(401);
    expect(late.html).toContain('You are signed out');
    expect(await server.services.database.db.selectFrom('api_keys').select('id').where('name', '=', 'After sign-out').execute()).toEqual([]);
    await page.close();
  });
});

// A browser beside other suites on two cores: steps take seconds, not milliseconds.
describe('every dashboard page', { timeout: 120_000 }, () => {
  it('sends a CSP with no inline code and no framing, and the browser blocks nothing on it', async () => {
    const { page, blocked } = await dash.signedIn(admin);
    const colleague = await server.createUser([{ org, role: 'member' }]);
    await page.goto(`${server.url}/dashboard/${org}/api-keys`);
    await page.fill('#key-name', 'For the headers');
    await page.click('text=Create key');
    await page.waitForURL(/\/shown\//);
    const shown = page.url();
    const paths = ['/dashboard', '/dashboard/connected-apps', ...['api-keys', 'apps', 'members', 'audit', `members/${colleague.id}/remove`].map((p) => `/dashboard/${org}/${p}`), '/dashboard/org_nope/api-keys'];
    const seen: Record<string, number> = {};
    for (const url of [shown, ...paths.map((p) => `${server.url}${p}`)]) {
      const res = (await page.goto(url))!;
      seen[new URL(url).pathname] = res.status();
      const headers = res.headers();
      const csp = headers['content-security-policy'] ?? '';
      expect(csp, url).not.toContain('unsafe-inline');
      expect(csp, url).not.toContain('unsafe-eval');
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toMatch(/script-src 'self';/);
      expect(headers['x-frame-options'], url).toBe('DENY');
      expect(headers['cache-control'], url).toBe('no-store');
    }
    expect(Object.values(seen)).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 404]);
    expect(blocked).toEqual([]);
    await page.close();
  });

  it('sends a visitor who is not signed in to sign in, and refuses their posts', async () => {
    const keys = `${server.url}/dashboard/${org}/api-keys`;
    const visit = await fetch(keys, { redirect: 'manual' });
    expect(visit.status).toBe(302);
    expect(visit.headers.get('location')).toBe('/dashboard/sign-in');
    const post = await fetch(keys, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url }, body: 'name=x&csrf=y', redirect: 'manual' });
    expect(post.status).toBe(401);
    const stale = await fetch(`${server.url}/dashboard/callback?state=forged&code=x`, { redirect: 'manual' });
    expect(stale.status).toBe(400);
  });

  it('creates a key with the keyboard alone: tab to each control, space to check, enter to send', async () => {
    const { page } = await dash.signedIn(admin);
    await page.goto(`${server.url}/dashboard/${org}/api-keys`);
    const focused = () => page.evaluate<string>("document.activeElement.getAttribute('name') ?? document.activeElement.textContent.trim()");
    const tabTo = async (target: string) => {
      for (let i = 0; i < 80 && (await focused()) !== target; i++) await page.keyboard.press('Tab');
      expect(await focused()).toBe(target);
    };
    await tabTo('name');
    await page.keyboard.type('Typed by keyboard');
    await tabTo('scope:invoices:read');
    await page.keyboard.press('Space');
    await tabTo('Create key');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#secret');
    expect(await page.inputValue('#secret')).toMatch(/^sk_live_/);
    await page.close();
  });
});

