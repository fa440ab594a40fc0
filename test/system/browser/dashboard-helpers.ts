// What the dashboard's browser tests share: Debian's chromium driven by playwright-core (a fresh,
// throwaway profile per context; never a downloaded browser), signing in through Keyward's own
// login, and the real system's answers (introspection, /v1, the token endpoint) that show an
// action took effect beyond the page.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './launch.js';
import type { TestServer } from '../../helpers/server.js';
import { basic, postForm, type TestUser } from '../../helpers/oauth-flow.js';

export const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface SignedIn {
  context: BrowserContext;
  /** A new tab on the dashboard's home; close it when done (the session stays for the file). */
  page: Page;
  /** What the page's Content-Security-Policy blocked, as the browser reported it. */
  blocked: string[];
}

export interface Dashboard {
  browser: Browser;
  /** The person's session, signed in once per file (a sign-in costs a second or two). */
  signedIn(who: TestUser): Promise<SignedIn>;
  close(): Promise<void>;
}

export async function openDashboard(server: TestServer): Promise<Dashboard> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await launchChromium();
  const sessions = new Map<string, Promise<BrowserContext>>();

  async function signIn(who: TestUser): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: DESKTOP });
    // A missing element fails the test in seconds, not at vitest's timeout.
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    await page.goto(`${server.url}/dashboard`);
    await page.fill('#email', who.email);
    await page.fill('#password', who.password);
    await page.click('button[type=submit].primary');
    await page.waitForURL(`${server.url}/dashboard`);
    await page.close();
    return context;
  }

  return {
    browser,
    async signedIn(who) {
      if (!sessions.has(who.email)) sessions.set(who.email, signIn(who));
      const context = await sessions.get(who.email)!;
      const page = await context.newPage();
      const blocked: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) blocked.push(message.text());
      });
      await page.goto(`${server.url}/dashboard`);
      return { context, page, blocked };
    },
    close: () => browser.close(),
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}

/** The session's CSRF token, from any form on the page. */
export const csrfOn = (page: Page) => page.locator('input[name=csrf]').first().inputValue();

/** Where a form post from the page's session is sent (its 303), without following it. */
export async function postFrom(context: BrowserContext, url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await context.request.post(url, { form, headers, maxRedirects: 0 });
  return { status: res.status(), location: res.headers().location, html: await res.text() };
}

/** A resource server's view of a token or key (RFC 7662), through a client with introspect rights. */
export function introspection(server: TestServer, rs: { clientId: string; clientSecret: string }) {
  return async (token: string, extra: Record<string, string> = {}) =>
    (await postForm(server, '/oauth2/introspect', { token, ...extra }, { authorization: basic(rs.clientId, rs.clientSecret) })).body;
}

/** The management API with an API key. */
export async function withKey(server: TestServer, path: string, key: string) {
  const res = await fetch(new URL(path, server.url), { headers: { 'x-api-key': key } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A client_credentials token request with a client's id and secret. */
export const clientCredentials = (server: TestServer, clientId: string, secret: string, scope?: string) =>
  postForm(server, '/oauth2/token', { grant_type: 'client_credentials', ...(scope ? { scope } : {}) }, { authorization: basic(clientId, secret) });
