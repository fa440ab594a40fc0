// Red team of the dashboard, over real HTTP: an outsider, a member, an admin of another
// organization and a third-party app attack it. Each test asserts the safe behaviour, so a
// failing test is a finding.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { authorizeUrl, basic, BrowserSession, codeExchange, cookieHeader, csrfOf, formAction, pkcePair, postForm, type TestUser } from '../helpers/oauth-flow.js';

let server: TestServer;
let [orgA, orgB] = ['', ''];
let adminA: TestUser, memberA: TestUser;
const as = {} as Record<'A' | 'M' | 'B', BrowserSession>;
let keyA: { id: string; secret: string }, app: { clientId: string; clientSecret: string };
const REDIRECT = 'http://localhost:8123/cb';

/** Signs in to the dashboard through Keyward's login, as a browser would. */
async function signIn(user: TestUser): Promise<BrowserSession> {
  const session = new BrowserSession(server);
  let res = await session.get('/dashboard/sign-in');
  for (let hop = 0; hop < 12; hop++) {
    const location = res.headers.get('location');
    if (location === '/dashboard') return session;
    if (location) res = await session.get(location);
    else {
      const html = await res.text();
      const login = formAction(html, 'login');
      if (!login) throw new Error(`unexpected page ${res.status}: ${html.slice(0, 300)}`);
      res = await session.post(login, { csrf: csrfOf(html), email: user.email, password: user.password });
    }
  }
  throw new Error('too many redirects');
}

const get = async (session: BrowserSession, path: string) => session.get(path).then(async (res) => ({ status: res.status, html: await res.text(), headers: res.headers }));
const csrf = async (session: BrowserSession, path: string) => csrfOf((await get(session, path)).html);
const scopes = (list: string[]) => Object.fromEntries(list.map((s) => [`scope:${s}`, 'on']));
const v1 = (secret: string, path = '/v1/api-keys', init: RequestInit = {}) =>
  fetch(new URL(path, server.url), { ...init, headers: { 'x-api-key': secret, 'content-type': 'application/json' } });
const secretOf = (html: string) => /id="secret" class="secret" readonly value="([^"]+)"/.exec(html)?.[1];
type Key = { id: string; name: string; revoked_at: string | null };
/** Every key of the organization, page after page. */
async function keysOf(secret: string, after = ''): Promise<Key[]> {
  const page = (await (await v1(secret, `/v1/api-keys?limit=100${after && `&starting_after=${after}`}`)).json()) as { data: Key[]; has_more: boolean };
  return page.has_more ? [...page.data, ...(await keysOf(secret, page.data.at(-1)!.id))] : page.data;
}

/** Creates a key on the dashboard; returns the page that shows its secret. */
async function createKey(session: BrowserSession, org: string, name: string, list: string[] = []) {
  const res = await session.post(`/dashboard/${org}/api-keys`, { csrf: await csrf(session, `/dashboard/${org}/api-keys`), name, ...scopes(list) });
  expect(res.status).toBe(303);
  return res.headers.get('location')!;
}

beforeAll(async () => {
  server = await startTestServer();
  [orgA, orgB] = [await server.createOrg('pro'), await server.createOrg('pro')];
  adminA = await server.createUser([orgA]);
  memberA = await server.createUser([{ org: orgA, role: 'member' }]);
  [as.A, as.M, as.B] = await Promise.all([signIn(adminA), signIn(memberA), signIn(await server.createUser([orgB]))]);
  const secret = secretOf((await get(as.A, await createKey(as.A, orgA, 'reader', ['api-keys:read']))).html)!;
  keyA = { id: (await keysOf(secret)).find((k) => k.name === 'reader')!.id, secret };
  app = await server.createClient({ org: orgA, grants: ['authorization_code', 'refresh_token'], redirectUris: [REDIRECT], scope: 'invoices:read' });
  // An open invitation puts a form, hence the member's CSRF token, on the member's home page.
  await as.B.post(`/dashboard/${orgB}/members`, { csrf: await csrf(as.B, `/dashboard/${orgB}/members`), email: memberA.email, role: 'member' });
});
afterAll(() => server.stop());

describe('cross-organization access (IDOR)', () => {
  it('answers 404 to every page and action of an organization one is not in', async () => {
    const pages = ['api-keys', 'apps', 'members', 'audit', `api-keys/${keyA.id}/revoke`, `apps/${app.clientId}/delete`, `members/${adminA.id}/remove`];
    for (const path of pages) expect((await get(as.B, `/dashboard/${orgA}/${path}`)).status, path).toBe(404);
    const token = await csrf(as.B, `/dashboard/${orgB}/api-keys`);
    for (const path of ['api-keys', `api-keys/${keyA.id}/revoke`]) expect((await as.B.post(`/dashboard/${orgA}/${path}`, { csrf: token, name: 'planted' })).status, path).toBe(404);
    expect((await v1(keyA.secret)).status).toBe(200);
  });

  it("refuses another organization's key, app and member ids through one's own organization's URLs", async () => {
    const [token, base] = [await csrf(as.B, `/dashboard/${orgB}/api-keys`), `/dashboard/${orgB}`];
    for (const path of [`api-keys/${keyA.id}/revoke`, `apps/${app.clientId}/delete`]) expect((await get(as.B, `${base}/${path}`)).status, path).toBe(404);
    const actions: Array<[string, Record<string, string>]> = [[`api-keys/${keyA.id}/revoke`, {}], [`api-keys/${keyA.id}/rotate`, { grace: 'none' }],
      [`apps/${app.clientId}/rotate-secret`, { grace: 'none' }], [`apps/${app.clientId}/delete`, {}], [`members/${adminA.id}/role`, { role: 'member' }], [`members/${adminA.id}/remove`, {}]];
    for (const [path, form] of actions) expect((await as.B.post(`${base}/${path}`, { csrf: token, ...form })).status, path).toBe(404);
    expect((await v1(keyA.secret)).status).toBe(200);
    expect((await get(as.A, `/dashboard/${orgA}/apps`)).html).toContain(app.clientId);
    expect((await get(as.A, '/dashboard')).html).toContain('admin · pro plan');
  });
});

describe('escalation', () => {
  it("a member cannot create keys or apps, invite or make admins, revoke keys, remove anyone, or take another's invitation", async () => {
    const [token, base] = [await csrf(as.M, '/dashboard'), `/dashboard/${orgA}`];
    const actions: Array<[string, Record<string, string>]> = [['api-keys', { name: 'mine', ...scopes(['invoices:read']) }], ['apps', { name: 'mine', 'grant:client_credentials': 'on' }],
      ['members', { email: 'friend@example.com', role: 'admin' }], [`members/${memberA.id}/role`, { role: 'admin' }], [`members/${adminA.id}/role`, { role: 'member' }],
      [`members/${adminA.id}/remove`, {}], [`api-keys/${keyA.id}/revoke`, {}], [`api-keys/${keyA.id}/rotate`, {}]];
    for (const [path, form] of actions) expect((await as.M.post(`${base}/${path}`, { csrf: token, ...form })).status, path).toBe(403);
    for (const page of ['api-keys', 'apps', 'members', 'audit']) {
      const { html } = await get(as.M, `${base}/${page}`);
      expect([keyA.id, app.clientId, adminA.email, adminA.id].filter((secret) => html.includes(secret)), page).toEqual([]);
    }
    expect((await get(as.M, `${base}/members/${adminA.id}/remove`)).status).toBe(403);
    const stranger = `stranger-${Date.now()}@example.com`;
    await as.A.post(`${base}/members`, { csrf: await csrf(as.A, `${base}/members`), email: stranger, role: 'admin' });
    const invitation = new RegExp(`${stranger}[\\s\\S]*?/members/(inv_[A-Za-z0-9]+)/remove`).exec((await get(as.A, `${base}/members`)).html)![1];
    expect((await as.M.post(`/dashboard/invitations/${invitation}/accept`, { csrf: token })).status).toBe(404);
    expect((await keysOf(keyA.secret)).map((k) => k.name)).not.toContain('mine');
    expect((await get(as.M, '/dashboard')).html).toContain('member · pro plan');
  });

  it("an admin cannot hand out scopes beyond the organization's plan", async () => {
    const token = await csrf(as.A, `/dashboard/${orgA}/api-keys`);
    for (const s of ['payments:read', '*']) expect((await as.A.post(`/dashboard/${orgA}/api-keys`, { csrf: token, name: `beyond-${s}`, ...scopes([s]) })).status, s).toBe(422);
    expect((await keysOf(keyA.secret)).filter((k) => k.name.startsWith('beyond-'))).toEqual([]);
    const introspector = await server.createClient({ org: orgA, grants: ['client_credentials'], introspect: true });
    for (const action of ['rotate-secret', 'delete']) expect((await as.A.post(`/dashboard/${orgA}/apps/${introspector.clientId}/${action}`, { csrf: token })).status, action).toBe(403);
    expect((await postForm(server, '/oauth2/introspect', { token: 'x' }, { authorization: basic(introspector.clientId, introspector.clientSecret) })).status).toBe(200);
  });
});

describe('CSRF and sessions', () => {
  it("refuses a post without the token, with another session's, from another origin, Origin null, cross-site, or not a form", async () => {
    const path = `/dashboard/${orgA}/api-keys`;
    const [mine, theirs] = [await csrf(as.A, path), await csrf(as.B, `/dashboard/${orgB}/api-keys`)];
    const attempts: Array<[Record<string, string>, Record<string, string>, number]> = [
      [{ name: 'csrf-1' }, {}, 403],
      [{ name: 'csrf-2', csrf: theirs }, {}, 403],
      [{ name: 'csrf-3', csrf: mine }, { origin: 'https://evil.example' }, 403],
      [{ name: 'csrf-4', csrf: mine }, { origin: 'null' }, 403],
      [{ name: 'csrf-5', csrf: mine }, { origin: '', 'sec-fetch-site': 'cross-site' }, 403],
      [{ name: 'csrf-6', csrf: mine }, { 'content-type': 'text/plain' }, 400],
    ];
    for (const [form, headers, status] of attempts) expect((await as.A.post(path, form, headers)).status, form.name).toBe(status);
    expect((await keysOf(keyA.secret)).filter((k) => k.name.startsWith('csrf-'))).toEqual([]);
  });

  it("signs out: the dashboard asks to sign in again, and the old session's token is refused after signing back in", async () => {
    const session = await signIn(adminA);
    const old = await csrf(session, `/dashboard/${orgA}/api-keys`);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec((await get(session, '/oauth2/logout')).html)![1]!;
    expect((await session.post('/oauth2/logout/confirm', { xsrf, logout: 'yes' })).status).toBeLessThan(400);
    expect((await session.get('/dashboard')).headers.get('location')).toBe('/dashboard/sign-in');
    expect((await session.post(`/dashboard/${orgA}/api-keys`, { csrf: old, name: 'after-logout' })).status).toBe(401);
    expect((await (await signIn(adminA)).post(`/dashboard/${orgA}/api-keys`, { csrf: old, name: 'after-logout' })).status).toBe(403);
  });

  it('asks for the password again for a sign-in older than 12 hours', async () => {
    const session = await signIn(adminA);
    const stored = (await server.services.provider().Session.find(session.jar.get('_session')!))!;
    stored.loginTs = Math.floor(Date.now() / 1000) - 13 * 3600;
    await stored.save(3600);
    expect((await session.get('/dashboard')).headers.get('location')).toBe('/dashboard/sign-in');
  });
});

describe('the shown-once page', () => {
  it('shows nothing to another user, who cannot burn it either, then shows it once', async () => {
    const shown = await createKey(as.A, orgA, 'once');
    const handle = shown.split('/').pop()!;
    const other = await get(as.B, `/dashboard/${orgB}/shown/${handle}`);
    expect([other.status, secretOf(other.html)]).toEqual([200, undefined]);
    expect((await get(as.A, `/dashboard/${orgB}/shown/${handle}`)).status).toBe(404);
    expect(secretOf((await get(as.A, shown)).html)).toMatch(/^sk_/);
    expect(secretOf((await get(as.A, shown)).html)).toBeUndefined();
    expect(secretOf((await get(as.A, `/dashboard/${orgA}/shown/${'A'.repeat(24)}`)).html)).toBeUndefined();
  });

  it('shows it once even to loads at the same instant', async () => {
    for (const name of ['race-1', 'race-2', 'race-3']) {
      const shown = await createKey(as.A, orgA, name);
      const pages = await Promise.all(Array.from({ length: 12 }, () => get(as.A, shown)));
      expect(pages.filter((p) => secretOf(p.html)).length, `${name}: pages that showed the secret`).toBe(1);
    }
  });
});

describe("the dashboard's own client", () => {
  it('shows no consent or organization page and records no grant for an organization, even with prompt=consent', async () => {
    const [{ verifier, challenge }, redirectUri] = [pkcePair(), `${server.url}/dashboard/callback`];
    const session = await signIn(await server.createUser([orgA, orgB]));
    let res = await session.get(authorizeUrl(server, { clientId: 'keyward-dashboard', redirectUri, scope: 'openid', challenge, state: 's', extra: { prompt: 'consent' } }));
    const seen: string[] = [];
    for (let hop = 0; hop < 10 && !res.headers.get('location')?.startsWith(redirectUri); hop++) {
      const html = res.headers.get('location') ? '' : await res.text();
      const step = formAction(html, 'organization') ?? formAction(html, 'confirm');
      if (!html) res = await session.get(res.headers.get('location')!);
      else if (seen.push(html) && step) res = await session.post(step, { csrf: csrfOf(html), organization_id: orgA });
      else break;
    }
    const code = new URL(res.headers.get('location') ?? redirectUri).searchParams.get('code') ?? 'none';
    const token = await postForm(server, '/oauth2/token', { grant_type: 'authorization_code', client_id: 'keyward-dashboard', code, redirect_uri: redirectUri, code_verifier: verifier });
    expect(token.body.access_token).toBeUndefined();
    expect(seen.map((html) => /<h1>([^<]*)/.exec(html)?.[1])).toEqual([]);
    expect((await get(session, '/dashboard/connected-apps')).html.includes('keyward-dashboard'), 'the dashboard is listed as a connected app').toBe(false);
  });

  it('keeps no lasting record per sign-in: repeated dashboard authorizations do not pile up grants', async () => {
    const redis = new Redis(inject('redisUrl'));
    const grants = async () => (await redis.keys(`${server.services.config.redisKeyPrefix}Grant:*`)).length;
    const [before, url] = [await grants(), authorizeUrl(server, { clientId: 'keyward-dashboard', redirectUri: `${server.url}/dashboard/callback`, scope: 'openid', challenge: pkcePair().challenge })];
    for (let i = 0; i < 20; i++) expect((await as.A.get(`${url}&prompt=none`)).status).toBe(303);
    expect((await grants().finally(() => redis.disconnect())) - before, 'Grant records added by 20 dashboard authorizations').toBeLessThanOrEqual(1);
  });

  it("never sends the browser off-site (foreign redirect_uri, switcher); an attacker's callback URL signs nobody in", async () => {
    const dashboardUrl = authorizeUrl(server, { clientId: 'keyward-dashboard', redirectUri: `${server.url}/dashboard/callback`, scope: 'openid', state: 's', challenge: pkcePair().challenge });
    const victim = new BrowserSession(server);
    expect((await victim.get((await as.B.get(`${dashboardUrl}&prompt=none`)).headers.get('location')!)).status).toBe(400);
    expect((await victim.get('/dashboard')).headers.get('location')).toBe('/dashboard/sign-in');
    const foreign = authorizeUrl(server, { clientId: 'keyward-dashboard', redirectUri: 'https://evil.example/dashboard/callback', scope: 'openid', challenge: pkcePair().challenge });
    expect((await as.A.get(foreign)).headers.get('location') ?? '').not.toContain('evil.example');
    for (const query of ['org=https://evil.example', `org=${orgA}&section=//evil.example`, `org=${orgB}`]) {
      const location = (await as.A.get(`/dashboard/switch?${query}`)).headers.get('location')!;
      expect(location.startsWith('/dashboard') && !location.includes('evil'), location).toBe(true);
    }
  });
});

describe('connected apps and third-party apps', () => {
  it("lists one's own grants only; nobody else can revoke them, their owner can; an app's token opens no page", async () => {
    const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user: memberA, organizationId: orgA });
    let refresh = String(token.body.refresh_token);
    const refreshNow = async () => postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: refresh }, { authorization: basic(app.clientId, app.clientSecret) });
    expect((await get(as.A, '/dashboard/connected-apps')).html).not.toContain(app.clientId);
    const bearer = await fetch(new URL('/dashboard', server.url), { headers: { authorization: `Bearer ${String(token.body.access_token)}` }, redirect: 'manual' });
    expect(bearer.headers.get('location')).toBe('/dashboard/sign-in');
    const theirs = await csrf(as.A, `/dashboard/${orgA}/api-keys`);
    for (const organization_id of [orgA, orgB]) await as.A.post('/dashboard/connected-apps/revoke', { csrf: theirs, client_id: app.clientId, organization_id });
    const page = await get(as.M, '/dashboard/connected-apps');
    expect(page.html).toContain(app.clientId);
    const refreshed = await refreshNow(); // another user's revoke left it alive
    expect(refreshed.status).toBe(200);
    refresh = String(refreshed.body.refresh_token);
    await as.M.post('/dashboard/connected-apps/revoke', { csrf: csrfOf(page.html), client_id: app.clientId, organization_id: orgA });
    expect((await refreshNow()).body.error).toBe('invalid_grant');
    expect((await get(as.M, '/dashboard/connected-apps')).html).not.toContain(app.clientId);
  });
});

describe('what the pages show', () => {
  it('escapes hostile key, app and invitation names on every page', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    await createKey(as.A, orgA, evil);
    const token = await csrf(as.A, `/dashboard/${orgA}/apps`);
    await as.A.post(`/dashboard/${orgA}/apps`, { csrf: token, name: evil, 'grant:client_credentials': 'on', kind: 'confidential' });
    await as.A.post(`/dashboard/${orgA}/members`, { csrf: token, email: `${evil}@example.com` });
    const id = (await keysOf(keyA.secret)).find((k) => k.name === evil)!.id;
    for (const path of ['api-keys', 'apps', 'members', 'audit', `api-keys/${id}/revoke`]) expect((await get(as.A, `/dashboard/${orgA}/${path}`)).html, path).not.toContain('<img');
  });

  it('lists every live key (or links to the rest), so none can hide past the first page', async () => {
    const org = await server.createOrg('pro'); // an admin with a key that writes keys (as a leaked one could) makes 110
    const admin = await signIn(await server.createUser([org]));
    const writer = secretOf((await get(admin, await createKey(admin, org, 'writer', ['api-keys:read', 'api-keys:write']))).html)!;
    const create = (i: number) => v1(writer, '/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: `bulk-${i}` }) });
    for (let i = 0; i < 110; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => create(i + j)));
    const page = (await get(admin, `/dashboard/${org}/api-keys`)).html;
    const live = (await keysOf(writer)).filter((k) => !k.revoked_at);
    const hidden = live.filter((k) => !page.includes(k.id));
    expect(live.length).toBe(111);
    expect(hidden.length === 0 || /href="[^"]*api-keys\?[^"]*after=/.test(page), `${hidden.length} live keys not on the page, no link to them`).toBe(true);
  });

  it('sends the CSP and no-framing headers on pages and refusals, without stack traces', async () => {
    const pages = [`/dashboard/${orgA}/api-keys`, `/dashboard/${orgB}/api-keys`, `/dashboard/${orgA}/api-keys/key_nope/revoke`, '/dashboard/callback?state=x', '/dashboard/connected-apps'];
    for (const path of pages) {
      const res = await get(as.A, path);
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.html, path).not.toMatch(/\bat .+\.(ts|js):\d+/);
    }
  });

  it('answers odd input on every form with a 4xx page, never a 5xx', async () => {
    const [base, token] = [`/dashboard/${orgA}`, await csrf(as.A, `/dashboard/${orgA}/api-keys`)];
    const posts: Array<[string, Record<string, string>, Record<string, string>?]> = [
      [`${base}/api-keys`, { name: 'nul\u0000name' }],
      [`${base}/api-keys`, { name: 'ips', ip_allowlist: '10.0.0.0/8\u0000' }],
      [`${base}/api-keys`, { name: 'big', ...scopes(Array.from({ length: 300 }, (_, i) => `s${i}`)) }],
      [`${base}/apps`, { name: 'nul\u0000app', 'grant:client_credentials': 'on' }],
      [`${base}/apps`, { name: 'uri', 'grant:authorization_code': 'on', redirect_uris: 'https://a.example/\u0000' }],
      [`${base}/members`, { email: 'nul\u0000@example.com' }],
      ...['apps/%00/delete', 'apps/%00/rotate-secret', 'api-keys/%00/rotate', 'api-keys/%00/revoke', 'members/%00/remove'].map((p): [string, Record<string, string>] => [`${base}/${p}`, {}]),
      [`${base}/members/%00/role`, { role: 'member' }], ['/dashboard/invitations/%00/accept', {}],
      ['/dashboard/connected-apps/revoke', { client_id: '\u0000', organization_id: '\u0000' }],
      [`${base}/api-keys`, { name: 'x'.repeat(40_000) }],
      [`${base}/api-keys`, { name: 'json' }, { 'content-type': 'application/json' }], [`${base}/api-keys`, { name: 'multi' }, { 'content-type': 'multipart/form-data; boundary=x' }],
    ];
    const failed: string[] = [];
    for (const [path, form, headers] of posts) {
      const res = await as.A.post(path, { csrf: token, ...form }, headers);
      if (res.status >= 500) failed.push(`${res.status} POST ${path} ${JSON.stringify(form).slice(0, 50)}`);
    }
    const init = { method: 'POST', headers: { cookie: cookieHeader(as.A.jar), 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' as const };
    expect((await fetch(new URL(`${base}/api-keys`, server.url), { ...init, body: `csrf=${token}&name=a&name=b` })).status).toBe(400);
    const gets = [`${base}/api-keys?after=%00`, `${base}/apps?after=%00`, `${base}/audit?after=%00`, `${base}/audit?action=a&action=b`, `${base}/shown/%00`, '/dashboard/%E0%A4%A/api-keys', `${base}/members/%00/remove`, `${base}/apps/%00/delete`];
    for (const path of gets) failed.push(...[(await as.A.get(path)).status].filter((status) => status >= 500).map((status) => `${status} GET ${path}`));
    expect(failed).toEqual([]);
  });
});
