// The dashboard in a real browser (Debian's chromium driven by playwright-core): sign in with
// Keyward's own login, then every page and action an admin, a member and any user has.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import type { TestUser } from '../../helpers/oauth-flow.js';

const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));
let server: TestServer;
let browser: Browser;
let org: string;
let admin: TestUser;
let member: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg('pro');
  admin = await server.createUser([{ org, role: 'admin' }]);
  member = await server.createUser([{ org, role: 'member' }]);
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await server.stop();
});

async function signedIn(who: TestUser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/dashboard`);
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await page.click('button[type=submit].primary');
  await page.waitForURL(`${server.url}/dashboard`);
  return { context, page };
}

describe('dashboard', () => {
  it('signs an admin in and creates an API key shown once', async () => {
    const { context, page } = await signedIn(admin);
    await page.click(`a[href="/dashboard/${org}/api-keys"]`);
    await page.fill('#key-name', 'Billing sync');
    await page.check('input[name="scope:invoices:read"]');
    await page.click('text=Create key');
    const secret = await page.inputValue('#secret');
    expect(secret).toMatch(/^sk_live_/);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-key-created.png'), fullPage: true });
    await page.reload();
    await page.waitForSelector('text=Already shown');
    await context.close();
  });

  it('shows a member no keys to manage', async () => {
    const { context, page } = await signedIn(member);
    await page.goto(`${server.url}/dashboard/${org}/api-keys`);
    await page.waitForSelector('text=Only the admins of');
    expect(await page.locator('#key-name').count()).toBe(0);
    await context.close();
  });
});
