// The dashboard's OAuth-app pages in a real browser: register (the secret shown once), rotate the
// secret, delete after a confirm page; each outcome checked at the real token endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { authorizeUrl, pkcePair, type TestUser } from '../../helpers/oauth-flow.js';
import { clientCredentials, introspection, openDashboard, screenshot, type Dashboard } from './dashboard-helpers.js';

let server: TestServer;
let dash: Dashboard;
let org: string;
let admin: TestUser;
let introspect: ReturnType<typeof introspection>;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg('pro');
  admin = await server.createUser([{ org, role: 'admin' }]);
  // A resource server of its own organization, so that this one starts with no apps.
  introspect = introspection(server, await server.createClient({ org: await server.createOrg('pro'), grants: ['client_credentials'], introspect: true }));
  dash = await openDashboard(server);
});
afterAll(async () => {
  await dash?.close();
  await server.stop();
});

const appsPage = () => `${server.url}/dashboard/${org}/apps`;
const appRow = (page: Page, clientId: string) => page.locator('tbody tr', { hasText: clientId });

/** Registers a confidential client_credentials app; resolves with what the shown page shows. */
async function register(page: Page, name: string) {
  await page.goto(appsPage());
  await page.fill('#app-name', name);
  await page.uncheck('input[name="grant:authorization_code"]');
  await page.check('input[name="grant:client_credentials"]');
  await page.check('input[name="scope:invoices:read"]');
  await page.click('text=Register app');
  await page.waitForURL(`**/dashboard/${org}/shown/*`);
  return { clientId: await page.inputValue('#client-id'), secret: await page.inputValue('#secret') };
}

async function rotate(page: Page, clientId: string, grace: string) {
  await page.goto(appsPage());
  await appRow(page, clientId).locator('select[name=grace]').selectOption(grace);
  await appRow(page, clientId).locator('button', { hasText: 'Rotate secret' }).click();
  await page.waitForURL(`**/dashboard/${org}/shown/*`);
  expect(await page.inputValue('#client-id')).toBe(clientId);
  return page.inputValue('#secret');
}

const tokenStatus = async (clientId: string, secret: string) => (await clientCredentials(server, clientId, secret)).status;

// A browser beside other suites on two cores: steps take seconds, not milliseconds.
describe('OAuth apps on the dashboard', { timeout: 120_000 }, () => {
  it('registers a confidential app whose client_id and secret, shown once, work at the token endpoint', async () => {
    const { page, blocked } = await dash.signedIn(admin);
    await page.click(`a[href="/dashboard/${org}/apps"]`);
    await page.waitForSelector('text=No apps yet');
    const { clientId, secret } = await register(page, 'Nightly export');
    expect(secret.length).toBeGreaterThan(20);
    const token = await clientCredentials(server, clientId, secret, 'invoices:read');
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ token_type: 'Bearer', scope: 'invoices:read', access_token: expect.any(String) });
    expect((await clientCredentials(server, clientId, secret, 'invoices:write')).status).toBe(400);

    await page.reload();
    await page.waitForSelector('text=Already shown');
    await page.goto(appsPage());
    const cells = await appRow(page, clientId).locator('td').allTextContents();
    expect(cells.slice(0, 5)).toEqual(['Nightly export', clientId, 'client_credentials', 'invoices:read', 'confidential']);
    expect(await page.content()).not.toContain(secret);
    await screenshot(page, 'dashboard-apps.png');
    expect(blocked).toEqual([]);
    await page.close();
  });

  it('registers a public app with its redirect URI, and shows no secret for it', async () => {
    const { page } = await dash.signedIn(admin);
    await page.goto(appsPage());
    await page.fill('#app-name', 'Phone app');
    await page.fill('#app-redirects', 'https://phone.example/callback\nhttp://localhost:8080/cb');
    await page.check('input[name="scope:invoices:read"]');
    await page.check('input[value=public]');
    await page.click('text=Register app');
    await page.waitForURL(/\/apps\?registered=/);
    const clientId = new URL(page.url()).searchParams.get('registered')!;
    expect(await page.locator('#secret').count()).toBe(0);
    const cells = await appRow(page, clientId).locator('td').allTextContents();
    expect(cells.slice(2, 5)).toEqual(['authorization_code, refresh_token', 'invoices:read', 'public']);
    expect(await appRow(page, clientId).locator('button', { hasText: 'Rotate secret' }).count()).toBe(0);
    // Registered at the authorization endpoint: its redirect URI leads to sign-in, another is refused.
    const start = (redirectUri: string) =>
      fetch(authorizeUrl(server, { clientId, redirectUri, scope: 'invoices:read', challenge: pkcePair().challenge, state: 's' }), { redirect: 'manual' });
    const registered = await start('https://phone.example/callback');
    expect(registered.status).toBe(303);
    expect(registered.headers.get('location')).toMatch(/^\/interaction\//);
    expect((await start('https://attacker.example/callback')).status).toBe(400);
    await page.close();
  });

  it('shows a refused registration as a page with the reason, and registers nothing', async () => {
    const { page } = await dash.signedIn(admin);
    await page.goto(appsPage());
    await page.fill('#app-name', 'No way back');
    await page.check('input[name="scope:invoices:read"]');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('text=Register app')]);
    expect(refused.status()).toBe(400);
    await page.waitForSelector('h1:has-text("This was refused")');
    expect(await page.textContent('main, body')).toMatch(/redirect/i);
    await page.goto(appsPage());
    expect(await page.locator('tbody tr', { hasText: 'No way back' }).count()).toBe(0);
    await page.close();
  });

  it('rotates a secret: with no grace the old one stops at once, with a grace both work', async () => {
    const { page } = await dash.signedIn(admin);
    const { clientId, secret: first } = await register(page, 'Rotating app');
    const second = await rotate(page, clientId, 'none');
    expect(second).not.toBe(first);
    expect(await tokenStatus(clientId, first)).toBe(401);
    expect(await tokenStatus(clientId, second)).toBe(200);
    await page.reload();
    await page.waitForSelector('text=Already shown');

    const third = await rotate(page, clientId, '1h');
    expect(await tokenStatus(clientId, second)).toBe(200);
    expect(await tokenStatus(clientId, third)).toBe(200);
    await page.click('text=Done');
    await page.waitForURL(appsPage());
    await page.close();
  });

  it('deletes an app only once confirmed; then its secret and its tokens stop working', async () => {
    const { page } = await dash.signedIn(admin);
    const { clientId, secret } = await register(page, 'Doomed app');
    await page.goto(appsPage());
    await appRow(page, clientId).locator('a', { hasText: 'Delete' }).click();
    await page.waitForSelector('h1:has-text("Delete Doomed app?")');
    await page.click('text=Cancel');
    await page.waitForURL(appsPage());
    const token = await clientCredentials(server, clientId, secret, 'invoices:read');
    const accessToken = String(token.body.access_token);
    expect(await introspect(accessToken)).toMatchObject({ active: true, client_id: clientId });

    await appRow(page, clientId).locator('a', { hasText: 'Delete' }).click();
    await page.click('button:has-text("Delete app")');
    await page.waitForURL(appsPage());
    expect(await appRow(page, clientId).count()).toBe(0);
    expect(await tokenStatus(clientId, secret)).toBe(401);
    expect(await introspect(accessToken)).toEqual({ active: false });
    expect(await server.services.registry.find(clientId)).toBeUndefined();
    await page.close();
  });

  it('lists every app, a hundred to a page, so that none is out of reach', async () => {
    const crowded = await server.createOrg('pro');
    const owner = await server.createUser([{ org: crowded, role: 'admin' }]);
    const bulk = Array.from({ length: 101 }, () => server.createClient({ org: crowded, grants: ['authorization_code'], redirectUris: ['https://bulk.example/cb'], isPublic: true }));
    const made = new Set((await Promise.all(bulk)).map((app) => app.clientId));
    const { page } = await dash.signedIn(owner);
    await page.goto(`${server.url}/dashboard/${crowded}/apps`);
    const first = await page.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(first).toHaveLength(100);
    await page.click('text=More apps');
    const rest = await page.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(new Set([...first, ...rest])).toEqual(made);
    expect(await page.locator('text=More apps').count()).toBe(0);
    await page.close();
  });

  it('shows a member no apps to manage', async () => {
    const member = await server.createUser([{ org, role: 'member' }]);
    const { page } = await dash.signedIn(member);
    await page.goto(appsPage());
    await page.waitForSelector('text=Only the admins of');
    expect(await page.locator('#app-name').count()).toBe(0);
    await page.close();
  });
});
