// Limits that hold under concurrency, and no lockout by strangers (docs/security.md, "Limits"):
// every attempt is counted before the work it guards, failures are counted per source address
// and per (account, address), and failures against an account from everywhere only slow it
// down. Behind one trusted proxy, so each test can speak from addresses of its own.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { authorizeUrl, BrowserSession, csrfOf, formAction, pkcePair, postForm, basic, type TestUser } from '../helpers/oauth-flow.js';
import { api, operatorKey } from '../management/helpers.js';
import { generateApiKey } from '../../src/api-keys/format.js';

let server: TestServer;
let org: string;
let app: { clientId: string; clientSecret: string };

beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: '1' } });
  org = await server.createOrg('pro');
  app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'], scope: 'invoices:read' });
});
afterAll(() => server.stop());

let addresses = 0;
/** A source address no other test uses. */
const newAddress = () => `198.51.${Math.floor(++addresses / 250)}.${addresses % 250}`;
const from = (address: string) => ({ 'x-forwarded-for': address });

/** Starts a sign-in and posts the login form from `address`. */
async function login(email: string, password: string, address: string) {
  const session = new BrowserSession(server);
  const start = await session.get(authorizeUrl(server, { clientId: app.clientId, redirectUri: 'https://app.example/cb', scope: 'invoices:read', challenge: pkcePair().challenge }));
  const html = await (await session.get(start.headers.get('location')!)).text();
  return session.post(formAction(html, 'login')!, { csrf: csrfOf(html), email, password }, from(address));
}

const junkKey = (prefix: string) => `${prefix}${randomBytes(40).toString('base64url').replace(/[-_]/g, 'a').slice(0, 57 - prefix.length)}`;

describe('the management API', () => {
  it("never refuses a valid key because of junk sent with its visible prefix from elsewhere", async () => {
    const good = await operatorKey(server, org, ['api-keys:read']);
    const attacker = newAddress();
    const statuses = [];
    for (let i = 0; i < 70; i++) statuses.push((await api(server, 'GET', '/v1/api-keys', junkKey(good.key.slice(0, 12)), undefined, from(attacker))).status);
    expect(statuses).toContain(429);
    expect((await api(server, 'GET', '/v1/api-keys', good.key, undefined, from(newAddress()))).status).toBe(200);
  });

  it('never refuses a valid access token because of junk tokens with the same header from elsewhere', async () => {
    const machine = await server.createClient({ org, grants: ['client_credentials'], scope: 'api-keys:read' });
    const token = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials', scope: 'api-keys:read' }, { authorization: basic(machine.clientId, machine.clientSecret) });
    const accessToken = String(token.body.access_token);
    const attacker = newAddress();
    const junk = () => `${accessToken.split('.')[0]}.${randomBytes(30).toString('base64url')}.${randomBytes(30).toString('base64url')}`;
    for (let i = 0; i < 70; i++) await api(server, 'GET', '/v1/api-keys', undefined, undefined, { authorization: `Bearer ${junk()}`, ...from(attacker) });
    expect((await api(server, 'GET', '/v1/api-keys', undefined, undefined, { authorization: `Bearer ${accessToken}`, ...from(attacker) })).status).toBe(429);
    expect((await api(server, 'GET', '/v1/api-keys', undefined, undefined, { authorization: `Bearer ${accessToken}`, ...from(newAddress()) })).status).toBe(200);
  });

  it('counts concurrent failures before looking at them: no more than the limit are judged', async () => {
    const attacker = newAddress();
    // Well-formed unknown keys: each is looked up in the database, a window for a race.
    const unknownKey = () => generateApiKey(server.services.config.apiKeyLabels, 'secret', 'live').key;
    const answers = await Promise.all(Array.from({ length: 90 }, () => api(server, 'GET', '/v1/api-keys', unknownKey(), undefined, from(attacker))));
    const judged = answers.filter((a) => a.status === 401).length;
    expect(judged).toBeLessThanOrEqual(60);
    expect(answers.filter((a) => a.status === 429).length).toBe(90 - judged);
  });

  it('takes a good credential\'s attempt back: a busy key from one address is never limited', async () => {
    const good = await operatorKey(server, org, ['api-keys:read']);
    const address = newAddress();
    for (let i = 0; i < 70; i++) expect((await api(server, 'GET', '/v1/api-keys', good.key, undefined, from(address))).status).toBe(200);
  });
});

describe('sign-in', () => {
  let victim: TestUser;
  beforeAll(async () => {
    victim = await server.createUser([org]);
  });

  it('hashes no more passwords than the limit for concurrent guesses at one account from one address', async () => {
    const attacker = newAddress();
    const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => login(victim.email, `wrong-${i}`, attacker)));
    const checked = answers.filter((a) => a.status === 401).length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.status === 429).length).toBe(25 - checked);
  });

  it("never locks the owner out: another address's failures refuse only that address", async () => {
    const attacker = newAddress();
    for (let i = 0; i < 6; i++) await login(victim.email, `wrong-${i}`, attacker);
    expect((await login(victim.email, victim.password, attacker)).status).toBe(429);
    const owner = await login(victim.email, victim.password, newAddress());
    expect(owner.status).toBe(303);
  });

  it('slows an account down after failures from many addresses, and still lets its owner in', async () => {
    const target = await server.createUser([org]);
    for (let i = 0; i < 12; i++) expect((await login(target.email, `wrong-${i}`, newAddress())).status).toBe(401);
    const started = Date.now();
    const owner = await login(target.email, target.password, newAddress());
    expect(owner.status).toBe(303);
    // 12 failures: the third step of the slowdown (250 ms each) before the password is checked.
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
  });
});
