// The flow a user walks, in a real browser (Debian's chromium driven by playwright-core):
// sign in, pick the second of two organizations, approve; then deny on a second run.
// playwright-core gives each launch a fresh, throwaway profile.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './launch.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { authorizeUrl, basic, pkcePair, postForm, type TestUser } from '../../helpers/oauth-flow.js';

const REDIRECT = 'https://app.example/callback';
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));
let server: TestServer;
let browser: Browser;
let app: { clientId: string; clientSecret: string };
let user: TestUser;
let first: string;
let second: string;

beforeAll(async () => {
  server = await startTestServer();
  const vendor = await server.createOrg('council');
  first = await server.createOrg('pro');
  second = await server.createOrg('council');
  app = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read payouts:read' });
  user = await server.createUser([first, second]);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server.stop();
});

/** Opens /authorize and resolves with the URL the browser is finally sent to at the app. */
async function walk(act: (page: Page) => Promise<void>, state: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const { verifier, challenge } = pkcePair();
  let landed: URL | undefined;
  // The app is not running: answer its callback from the test, recording where we landed.
  await page.route(`${REDIRECT}**`, async (route) => {
    landed = new URL(route.request().url());
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the app' });
  });
  await page.goto(authorizeUrl(server, { clientId: app.clientId, redirectUri: REDIRECT, scope: 'invoices:read payouts:read', challenge, state }));
  await act(page);
  await page.waitForURL(`${REDIRECT}**`);
  await context.close();
  return { landed: landed!, verifier };
}

async function signInAndPickSecond(page: Page, who: TestUser = user) {
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await page.click('button[type=submit].primary');
  await page.waitForSelector('text=Choose an organization');
  await page.check(`input[value="${second}"]`);
  await page.click('button[type=submit].primary');
  await page.waitForSelector('text=wants to access');
}

describe('authorization in a real browser', () => {
  it('signs in, picks the second organization, approves, and gets a token for it', async () => {
    const { landed, verifier } = await walk(async (page) => {
      await signInAndPickSecond(page);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'consent.png'), fullPage: true });
      await page.click('text=Approve');
    }, 'browser-1');
    expect(landed.searchParams.get('state')).toBe('browser-1');
    expect(landed.searchParams.get('iss')).toBe(server.url);
    const token = await postForm(
      server,
      '/oauth2/token',
      { grant_type: 'authorization_code', code: landed.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier },
      { authorization: basic(app.clientId, app.clientSecret) },
    );
    expect(token.status).toBe(200);
    const { payload } = await jwtVerify(String(token.body.access_token), createRemoteJWKSet(new URL(`${server.url}/oauth2/jwks`)), {
      issuer: server.url,
      typ: 'at+jwt',
    });
    expect(payload.organizationId).toBe(second);
    expect(payload.sub).toBe(user.id);
  });

  it('signs out with a press of the button on Keyward\'s own logout page, with nothing blocked by its CSP', async () => {
    const blocked: string[] = [];
    const leaving = await server.createUser([first, second]);
    await walk(async (page) => {
      page.on('console', (message) => {
        if (message.type() === 'error') blocked.push(message.text());
      });
      await signInAndPickSecond(page, leaving);
      await page.click('text=Approve');
      await page.waitForURL(`${REDIRECT}**`);
      await page.goto(`${server.url}/oauth2/logout`);
      await page.waitForSelector('text=Sign out');
      await page.screenshot({ path: join(ARTIFACTS, 'logout.png'), fullPage: true });
      await page.click('button[name=logout]');
      await page.waitForSelector('text=Signed out');
      await page.goto(authorizeUrl(server, { clientId: app.clientId, redirectUri: REDIRECT, scope: 'invoices:read', challenge: pkcePair().challenge, state: 'after-logout' }));
      // Signed out: the next authorization asks to sign in again.
      await page.waitForSelector('#password');
      await page.goto(`${REDIRECT}?done`);
    }, 'browser-logout');
    expect(blocked).toEqual([]);
  });

  it('sends access_denied back to the app when the user denies', async () => {
    // A user who has not approved this app yet, so the consent page is shown.
    const newcomer = await server.createUser([first, second]);
    const { landed } = await walk(async (page) => {
      await signInAndPickSecond(page, newcomer);
      await page.click('text=Deny');
    }, 'browser-2');
    expect(landed.searchParams.get('error')).toBe('access_denied');
    expect(landed.searchParams.get('state')).toBe('browser-2');
    expect(landed.searchParams.get('code')).toBeNull();
  });
});
