// The dashboard's API-key pages in a real browser: create (shown once), rotate, revoke, who may,
// and where a post may come from; each outcome checked at the real system too (introspection
// and /v1 with the key itself).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import type { TestUser } from '../../helpers/oauth-flow.js';
import { csrfOn, introspection, openDashboard, PHONE, postFrom, screenshot, withKey, type Dashboard } from './dashboard-helpers.js';

let server: TestServer;
let dash: Dashboard;
let org: string;
let admin: TestUser;
let colleague: TestUser;
let introspect: ReturnType<typeof introspection>;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg('pro');
  admin = await server.createUser([{ org, role: 'admin' }]);
  colleague = await server.createUser([{ org, role: 'admin' }]);
  introspect = introspection(server, await server.createClient({ org, grants: ['client_credentials'], introspect: true }));
  dash = await openDashboard(server);
});
afterAll(async () => {
  await dash?.close();
  await server.stop();
});

const keysPage = (o = org) => `${server.url}/dashboard/${o}/api-keys`;
const keysNamed = (name: string, o = org) =>
  server.services.database.db.selectFrom('api_keys').select('id').where('organization_id', '=', o).where('name', '=', name).execute();

/** Creates a key on the keys page; resolves with the secret shown. */
async function createKey(page: Page, name: string, scopes: string[], choices: { type?: string; mode?: string; expires?: string; ips?: string } = {}) {
  if (!page.url().endsWith(`/dashboard/${org}/api-keys`)) await page.goto(keysPage());
  await page.fill('#key-name', name);
  if (choices.type) await page.selectOption('#key-type', choices.type);
  if (choices.mode) await page.selectOption('#key-mode', choices.mode);
  if (choices.expires) await page.selectOption('#key-expires', choices.expires);
  if (choices.ips) await page.fill('#key-ips', choices.ips);
  for (const scope of scopes) await page.check(`input[name="scope:${scope}"]`);
  await page.click('text=Create key');
  await page.waitForURL(`**/dashboard/${org}/shown/*`);
  return page.inputValue('#secret');
}

/** The table row of the named key that still has its actions (a rotated-out row has none). */
const liveRow = (page: Page, name: string) => page.locator('tbody tr', { hasText: name }).filter({ has: page.locator('button', { hasText: 'Rotate' }) });

// A browser beside other suites on two cores: steps take seconds, not milliseconds.
describe('API keys on the dashboard', { timeout: 120_000 }, () => {
  it('creates a key shown once, which works at /v1 and at introspection, and is listed without its secret', async () => {
    const { context, page, blocked } = await dash.signedIn(admin);
    await page.click(`a[href="/dashboard/${org}/api-keys"]`);
    await page.waitForSelector('text=No API keys yet');
    const secret = await createKey(page, 'Billing sync', ['invoices:read', 'api-keys:read']);
    expect(secret).toMatch(/^sk_live_/);
    await screenshot(page, 'dashboard-key-created.png');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.click('button[data-copy=secret]');
    await page.waitForSelector('button[data-copy=secret]:has-text("Copied")');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);

    const listed = await withKey(server, '/v1/api-keys', secret);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ name: 'Billing sync', scopes: ['invoices:read', 'api-keys:read'], last4: secret.slice(-4) })]);
    expect(await introspect(secret)).toMatchObject({ active: true, token_type: 'api_key', key_type: 'secret', livemode: true, organizationId: org });

    await page.click('text=Done');
    const row = page.locator('tbody tr', { hasText: 'Billing sync' });
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe(`${secret.slice(0, 12)}…${secret.slice(-4)}`);
    await expect(row.locator('td').nth(7).textContent()).resolves.toBe('active');
    expect(await page.content()).not.toContain(secret);
    await screenshot(page, 'dashboard-keys.png');
    expect(blocked).toEqual([]);
    await page.close();
  });

  it('creates a restricted test-mode key with the expiry and IP allowlist chosen', async () => {
    const { page } = await dash.signedIn(admin);
    const secret = await createKey(page, 'Office only', ['invoices:read'], { type: 'restricted', mode: 'test', expires: '30d', ips: '198.51.100.0/24' });
    expect(secret).toMatch(/^rk_test_/);
    expect(await introspect(secret, { client_ip: '203.0.113.9' })).toEqual({ active: false });
    const seen = await introspect(secret, { client_ip: '198.51.100.7' });
    expect(seen).toMatchObject({ active: true, key_type: 'restricted', livemode: false, scope: 'invoices:read' });
    expect(Math.abs(Number(seen.exp) * 1000 - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
    await page.close();
  });

  it('shows a key once: a reload says "Already shown", and the page is empty in anyone else\'s session', async () => {
    const { context, page } = await dash.signedIn(admin);
    await page.goto(keysPage());
    const made = await postFrom(context, keysPage(), { csrf: await csrfOn(page), name: 'Shown once', 'scope:invoices:read': 'on' });
    expect(made.status).toBe(303);
    const shown = new URL(made.location!, server.url).toString();
    expect(shown).toMatch(new RegExp(`/dashboard/${org}/shown/[A-Za-z0-9_-]{24}$`));
    const other = await dash.signedIn(colleague);
    await other.page.goto(shown);
    await other.page.waitForSelector('text=Already shown');
    expect(await other.page.locator('#secret').count()).toBe(0);
    await other.page.close();
    await page.goto(shown);
    const secret = await page.inputValue('#secret');
    expect(await introspect(secret)).toMatchObject({ active: true });
    await page.reload();
    await page.waitForSelector('text=Already shown');
    expect(await page.content()).not.toContain(secret);
    await page.close();
  });

  it('rotates a key: with no grace the old key stops at once, with a grace both work for a while', async () => {
    const { page } = await dash.signedIn(admin);
    const first = await createKey(page, 'Rotate me', ['api-keys:read']);
    await page.goto(keysPage());
    await liveRow(page, 'Rotate me').locator('select[name=grace]').selectOption('none');
    await liveRow(page, 'Rotate me').locator('button', { hasText: 'Rotate' }).click();
    await page.waitForURL(`**/dashboard/${org}/shown/*`);
    const second = await page.inputValue('#secret');
    expect(second).not.toBe(first);
    expect(await introspect(first)).toEqual({ active: false });
    expect((await withKey(server, '/v1/api-keys', first)).status).toBe(401);
    expect((await withKey(server, '/v1/api-keys', second)).status).toBe(200);

    await page.goto(keysPage());
    await liveRow(page, 'Rotate me').locator('select[name=grace]').selectOption('1h');
    await liveRow(page, 'Rotate me').locator('button', { hasText: 'Rotate' }).click();
    await page.waitForURL(`**/dashboard/${org}/shown/*`);
    const third = await page.inputValue('#secret');
    // The replaced key keeps working for an hour, but manages nothing (management/authenticate.ts).
    const rotatingOut = await introspect(second);
    expect(rotatingOut).toMatchObject({ active: true });
    expect(Math.abs(Number(rotatingOut.exp) - (Date.now() / 1000 + 3600))).toBeLessThan(60);
    expect((await withKey(server, '/v1/api-keys', third)).status).toBe(200);
    await page.goto(keysPage());
    const statuses = await page.locator('tbody tr', { hasText: 'Rotate me' }).locator('td:nth-child(8)').allTextContents();
    expect(statuses.sort()).toEqual(['active', 'revoked', 'rotating out']);
    await page.close();
  });

  it('revokes a key only once confirmed; Cancel keeps it working', async () => {
    const { page } = await dash.signedIn(admin);
    // Named with markup, which every page must show as text.
    const name = 'Revoke <i>me</i>';
    const secret = await createKey(page, name, ['api-keys:read']);
    await page.goto(keysPage());
    await liveRow(page, name).locator('a', { hasText: 'Revoke' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe(`Revoke ${name}?`);
    expect(await page.locator('main i').count()).toBe(0);
    expect(await page.textContent('main')).toContain(`${secret.slice(0, 12)}…${secret.slice(-4)}`);
    await page.click('text=Cancel');
    await page.waitForURL(keysPage());
    expect(await introspect(secret)).toMatchObject({ active: true });

    await liveRow(page, name).locator('a', { hasText: 'Revoke' }).click();
    await page.click('button:has-text("Revoke key")');
    await page.waitForURL(keysPage());
    await expect(page.locator('tbody tr', { hasText: name }).locator('td:nth-child(8)').textContent()).resolves.toBe('revoked');
    expect(await introspect(secret)).toEqual({ active: false });
    expect((await withKey(server, '/v1/api-keys', secret)).status).toBe(401);
    await page.close();
  });

  it('shows a member no keys, and refuses their create with a valid CSRF token of their own session', async () => {
    const elsewhere = await server.createOrg('pro');
    const both = await server.createUser([{ org, role: 'member' }, { org: elsewhere, role: 'admin' }]);
    const { page } = await dash.signedIn(both);
    await page.goto(keysPage());
    await page.waitForSelector('text=Only the admins of');
    expect(await page.locator('#key-name').count()).toBe(0);
    // Where they are an admin the form is theirs (with this session's CSRF token): aim it at
    // the organization where they are not.
    await page.goto(keysPage(elsewhere));
    await page.evaluate(`document.querySelector('form[action="/dashboard/${elsewhere}/api-keys"]').setAttribute('action', '/dashboard/${org}/api-keys')`);
    await page.fill('#key-name', 'Sneaky');
    await page.check('input[name="scope:invoices:read"]');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('text=Create key')]);
    expect(refused.status()).toBe(403);
    await page.waitForSelector('h1:has-text("This was refused")');
    expect(await keysNamed('Sneaky')).toEqual([]);
    await page.close();
  });

  it('refuses a cross-site form post with the session cookies and a valid CSRF token, and a post without that token', async () => {
    const { context, page } = await dash.signedIn(admin);
    await page.goto(keysPage());
    const csrf = await csrfOn(page);
    const form = (name: string) => ({ csrf, name, 'scope:invoices:read': 'on' });
    const crossSite: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }];
    for (const headers of crossSite) {
      const refused = await postFrom(context, keysPage(), form('Evil'), headers);
      expect(refused.status).toBe(403);
      expect(refused.html).toContain('It did not come from a dashboard page');
    }
    expect(await keysNamed('Evil')).toEqual([]);
    // From the right origin, a post needs this session's token: not a forged one, not another's.
    const someoneElse = await dash.signedIn(colleague);
    await someoneElse.page.goto(keysPage());
    for (const token of ['', 'forged', await csrfOn(someoneElse.page)]) {
      const refused = await postFrom(context, keysPage(), { ...form('Forged'), csrf: token }, { origin: server.url });
      expect(refused.status).toBe(403);
      expect(refused.html).toContain('This form has expired');
    }
    await someoneElse.page.close();
    expect(await keysNamed('Forged')).toEqual([]);
    // The same post from the dashboard's own origin goes through: the refusals were the origin's.
    expect((await postFrom(context, keysPage(), form('Same site'), { origin: server.url })).status).toBe(303);
    expect(await keysNamed('Same site')).toHaveLength(1);

    // And as a real attack: a page on another site that posts to the dashboard. The browser
    // leaves the SameSite=Lax session cookie off (401, signed out); with it, the origin is refused.
    await page.route('http://evil.example/**', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<form method="post" action="${keysPage()}"><input name="csrf" value="${csrf}"><input name="name" value="Evil page"><button>Go</button></form>`,
      }),
    );
    await page.goto('http://evil.example/win');
    const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('text=Go')]);
    expect([401, 403]).toContain(answer.status());
    expect(await keysNamed('Evil page')).toEqual([]);
    await page.close();
  });

  it('lists every key, a hundred to a page, so that none is out of reach', async () => {
    const crowded = await server.createOrg('pro');
    const actor = { organizationId: crowded, id: 'test', grantor: { kind: 'operator' as const } };
    await server.services.members.add(actor, { email: admin.email, role: 'admin' });
    await Promise.all(Array.from({ length: 101 }, (_, n) => server.services.keys.create(actor, { name: `Bulk ${n}`, scopes: ['invoices:read'] })));
    const { page } = await dash.signedIn(admin);
    await page.goto(keysPage(crowded));
    const first = await page.locator('tbody tr td:first-child').allTextContents();
    expect(first).toHaveLength(100);
    await page.click('text=More keys');
    const rest = await page.locator('tbody tr td:first-child').allTextContents();
    expect(new Set([...first, ...rest])).toEqual(new Set(Array.from({ length: 101 }, (_, n) => `Bulk ${n}`)));
    expect(await page.locator('text=More keys').count()).toBe(0);
    expect(await page.locator('#key-name').isVisible()).toBe(true);
    await page.close();
  });

  it('is usable at a phone width: the create form shows and nothing scrolls sideways', async () => {
    const { page } = await dash.signedIn(admin);
    await page.setViewportSize(PHONE);
    const secret = await createKey(page, 'From a phone with a rather long name for a key', ['invoices:read']);
    expect(secret).toMatch(/^sk_live_/);
    expect(await page.evaluate('document.body.scrollWidth')).toBeLessThanOrEqual(PHONE.width + 1);
    await page.goto(keysPage());
    await page.locator('#key-name').scrollIntoViewIfNeeded();
    expect(await page.locator('#key-name').isVisible()).toBe(true);
    expect(await page.locator('button:has-text("Create key")').isVisible()).toBe(true);
    for (const path of [...['api-keys', 'apps', 'members', 'audit'].map((p) => `/dashboard/${org}/${p}`), '/dashboard', '/dashboard/connected-apps']) {
      await page.goto(`${server.url}${path}`);
      expect(await page.evaluate('document.body.scrollWidth'), path).toBeLessThanOrEqual(PHONE.width + 1);
    }
    await page.close();
  });
});
