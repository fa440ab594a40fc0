// Signing in to the dashboard goes through Keyward's own login as its first-party client. That
// client must never turn into a credential: no consent page, and no token for its codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BrowserSession, csrfOf, formAction, pkcePair, postForm, type TestUser } from '../helpers/oauth-flow.js';

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  const org = await server.createOrg('pro');
  user = await server.createUser([org]);
});
afterAll(() => server.stop());

/** Follows redirects within Keyward, signing in on the login page, until one leaves for `until`. */
async function walk(session: BrowserSession, start: string, until: string): Promise<{ stop: URL; pages: string[] }> {
  let res = await session.get(start);
  const pages: string[] = [];
  for (let hop = 0; hop < 12; hop++) {
    if (res.status === 302 || res.status === 303) {
      const next = new URL(res.headers.get('location')!, server.url);
      if (next.pathname === until) return { stop: next, pages };
      res = await session.get(next.toString());
      continue;
    }
    const html = await res.text();
    pages.push(html);
    const login = formAction(html, 'login');
    if (!login) throw new Error(`unexpected page ${res.status}: ${html.slice(0, 300)}`);
    res = await session.post(login, { csrf: csrfOf(html), email: user.email, password: user.password });
  }
  throw new Error('too many redirects');
}

describe('dashboard sign-in', () => {
  it('signs in on the login page, with no consent page, and lands on the dashboard', async () => {
    const session = new BrowserSession(server);
    const { stop, pages } = await walk(session, '/dashboard', '/dashboard/callback');
    expect(pages).toHaveLength(1);
    expect(pages[0]).toContain('the Keyward dashboard');
    const back = await session.get(stop.toString());
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe('/dashboard');
    const home = await session.get('/dashboard');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain(user.email);
  });

  it("gets no token for the dashboard client's code, even with its own PKCE verifier", async () => {
    const session = new BrowserSession(server);
    const { verifier, challenge } = pkcePair();
    const redirectUri = `${server.url}/dashboard/callback`;
    const params = new URLSearchParams({ client_id: 'keyward-dashboard', response_type: 'code', redirect_uri: redirectUri, scope: 'openid', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
    const { stop } = await walk(session, `/oauth2/authorize?${params}`, '/dashboard/callback');
    const code = stop.searchParams.get('code');
    expect(code).toBeTruthy();
    const token = await postForm(server, '/oauth2/token', { grant_type: 'authorization_code', client_id: 'keyward-dashboard', code: code!, redirect_uri: redirectUri, code_verifier: verifier });
    expect(token.status).toBe(400);
    expect(token.body.error).toBe('invalid_grant');
    expect(token.body.access_token).toBeUndefined();
  });

  it('refuses a callback whose state is not the one this browser was given', async () => {
    const session = new BrowserSession(server);
    await session.get('/dashboard/sign-in');
    const forged = await session.get('/dashboard/callback?code=x&state=forged');
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('This sign-in link has expired');
    const stranger = await new BrowserSession(server).get('/dashboard/callback?code=x&state=anything');
    expect(stranger.status).toBe(400);
  });

  it('sends a browser without a session to sign in, and the root to the dashboard', async () => {
    const session = new BrowserSession(server);
    expect((await session.get('/')).headers.get('location')).toBe('/dashboard');
    expect((await session.get('/dashboard')).headers.get('location')).toBe('/dashboard/sign-in');
    const post = await session.post('/dashboard/connected-apps/revoke', { csrf: 'x' });
    expect(post.status).toBe(401);
  });
});
