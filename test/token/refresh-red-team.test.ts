// A red-team pass on the refresh-token fast path (src/token/refresh-rotation.ts): what an attacker
// holding a stolen, expired or rotated refresh token, a third-party app with its own credentials,
// a demoted or removed member, a downgraded organization or a Redis hiccup can get out of it.
// One test per attack; each states what oidc-provider's refresh grant (the reference) does.
// Two of them failed when written and were fixed: the 503 test (the fast path consumed the token
// beside its grant read, so a store hiccup turned the client's retry into reuse detection; it
// now reads first) and the record-id test (the bearer-state adapter's fallback for records
// written before hashing found a hashed record by its stored id, src/adapters/bearer-state.ts).
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterPayload } from 'oidc-provider';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, codeExchange, type TestUser } from '../helpers/oauth-flow.js';
import { runCommand } from '../../src/operator/commands.js';
import { storedRecordId } from '../../src/adapters/bearer-state.js';
import { frontOf, type Answer } from './token-front.js';

const REDIRECT = 'https://app.example/cb';

let server: TestServer;
let front: Awaited<ReturnType<typeof frontOf>>;
let org: string;
let user: TestUser;
let app: { clientId: string; clientSecret: string };

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg('council');
  user = await server.createUser([org]);
  app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read invoices:write payouts:read' });
  front = await frontOf(server);
});
afterAll(async () => {
  await front.close();
  await server.stop();
});

const rotate = (token: string, extra = '', client = app): Promise<Answer> =>
  front.post(`grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}${extra}`, basic(client.clientId, client.clientSecret));

const used: string[] = [];
async function signIn(scope = 'invoices:read invoices:write', who = user, organizationId = org): Promise<string> {
  const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope, organizationId, user: who });
  expect(token.status).toBe(200);
  const refreshToken = String(token.body.refresh_token);
  const session = await server.services.store.forModel('Session').findByUid(String((await stored(refreshToken)).sessionUid));
  used.push(refreshToken, String(session?.jti));
  return refreshToken;
}
const refreshTokens = () => server.services.store.forModel('RefreshToken');
const stored = async (token: string) => (await refreshTokens().find(token)) as AdapterPayload;
const scopeOf = (answer: Answer) => decodeJwt(String(answer.body.access_token)).scope;

describe('refresh-token fast path, red team', () => {
  it('a Redis hiccup on the grant read answers 503 and leaves the token usable, as oidc-provider does (no self-inflicted reuse revocation)', async () => {
    const redis = server.services.redis!;
    const grantKey = async (token: string) => `${server.services.config.redisKeyPrefix}Grant:{${String((await stored(token)).grantId)}}`;
    // The grant's record made unreadable for one request (HGETALL answers WRONGTYPE): a stand-in
    // for any single failed command, a timeout or a dropped connection, on that read.
    const withGrantUnreadable = async <T>(token: string, during: () => Promise<T>): Promise<T> => {
      const key = await grantKey(token);
      await redis.rename(key, `${key}:aside`);
      await redis.set(key, 'x');
      try {
        return await during();
      } finally {
        await redis.del(key);
        await redis.rename(`${key}:aside`, key);
      }
    };
    // The reference: oidc-provider (handed over by a parameter it ignores) reads the grant before
    // consuming the token, so the outage costs nothing and the client's retry succeeds.
    const reference = await signIn();
    const refused = await withGrantUnreadable(reference, () => rotate(reference, '&x-trace=1'));
    expect([refused.by, refused.status, refused.body.error]).toEqual(['oidc-provider', 503, 'temporarily_unavailable']);
    expect((await rotate(reference)).status).toBe(200);

    // The fast path consumes the token in the same round trip as the grant read.
    const token = await signIn();
    const outage = await withGrantUnreadable(token, () => rotate(token));
    expect([outage.by, outage.status, outage.body.error]).toEqual(['fast path', 503, 'temporarily_unavailable']);
    expect(outage.body.access_token).toBeUndefined();
    // The client retries after Retry-After, as told. It must not be treated as a token thief.
    const retry = await rotate(token);
    expect([retry.status, retry.body.error]).toEqual([200, undefined]);
  });

  it('keeps the chain start (iiat) in a fast-path successor: a member removed and added again cannot refresh the old chain', async () => {
    const member = await server.createUser([{ org, role: 'member' }]);
    const first = await rotate(await signIn('invoices:read', member));
    expect([first.by, first.status]).toEqual(['fast path', 200]);
    const successor = String(first.body.refresh_token);
    await runCommand(server.services, { name: 'member.remove', org, email: member.email });
    // Memberships count whole seconds.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await runCommand(server.services, { name: 'member.add', org, email: member.email, role: 'member' });
    const after = await rotate(successor);
    expect([after.by, after.status, after.body.error]).toEqual(['oidc-provider', 400, 'invalid_grant']);
  });

  it('narrows a rotation to the plan the organization has now', async () => {
    const downgraded = await server.createOrg('council');
    const admin = await server.createUser([downgraded]);
    const token = await signIn('invoices:read payouts:read', admin, downgraded);
    const before = await rotate(token);
    expect([before.by, scopeOf(before)]).toEqual(['fast path', 'invoices:read payouts:read']);
    await runCommand(server.services, { name: 'org.set-plan', org: downgraded, plan: 'pro' });
    const after = await rotate(String(before.body.refresh_token));
    expect([after.by, after.status, scopeOf(after), after.body.scope]).toEqual(['fast path', 200, 'invoices:read', 'invoices:read']);
    // Asking for the scope the plan lost gets no more.
    const asked = await rotate(String(after.body.refresh_token), '&scope=payouts:read');
    expect([asked.by, asked.status, scopeOf(asked)]).toEqual(['fast path', 200, undefined]);
  });

  it('gives a token no more than it holds when its grant holds more (an app authorized twice)', async () => {
    const wide = await signIn('invoices:read invoices:write');
    const narrow = await signIn('invoices:read');
    expect((await stored(narrow)).grantId).toBe((await stored(wide)).grantId);
    const plain = await rotate(narrow);
    expect([plain.by, plain.status, scopeOf(plain), plain.body.scope]).toEqual(['fast path', 200, 'invoices:read', 'invoices:read']);
    const escalate = await rotate(String(plain.body.refresh_token), '&scope=invoices:write');
    expect([escalate.by, escalate.status, escalate.body.error]).toEqual(['oidc-provider', 400, 'invalid_scope']);
    expect((await stored(String(plain.body.refresh_token))).consumed).toBeUndefined();
  });

  it('hands an expired token to oidc-provider and consumes nothing', async () => {
    const token = await signIn();
    const record = await stored(token);
    await refreshTokens().upsert(token, { ...record, exp: Math.floor(Date.now() / 1000) - 1 }, 60);
    const expired = await rotate(token);
    expect([expired.by, expired.status, expired.body.error]).toEqual(['oidc-provider', 400, 'invalid_grant']);
    expect((await stored(token)).consumed).toBeUndefined();
  });

  it("refuses a token's stored record id (what a Redis key listing shows) presented as the token", async () => {
    const token = await signIn();
    const recordId = storedRecordId(server.services.keyring.protocolState, 'RefreshToken', token);
    const keys = await server.services.redis!.keys(`${server.services.config.redisKeyPrefix}RefreshToken:{${recordId}}`);
    expect(keys).toHaveLength(1);
    const presented = await rotate(recordId);
    expect([presented.status, presented.body.error]).toEqual([400, 'invalid_grant']);
    // The real token was not rotated by it.
    expect((await stored(token)).consumed).toBeUndefined();
  });

  it('logs no refresh token, session id or secret on any of the above, the 503 included', () => {
    const logs = server.logs.join('');
    expect(logs).toContain('request failed');
    expect(used.length).toBeGreaterThan(10);
    for (const secret of [...used, app.clientSecret]) expect(logs).not.toContain(secret);
  });
});
