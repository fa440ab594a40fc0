// The refresh-token fast path (src/token/refresh-rotation.ts): what it answers itself, what it
// hands to oidc-provider, and that a rotation it answers is the one oidc-provider would make.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterPayload } from 'oidc-provider';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, codeExchange, type TestUser } from '../helpers/oauth-flow.js';
import { frontOf, type Answer } from './token-front.js';

const REDIRECT = 'https://app.example/cb';

let server: TestServer;
let front: Awaited<ReturnType<typeof frontOf>>;
let org: string;
let user: TestUser;
let app: { clientId: string; clientSecret: string };
let other: { clientId: string; clientSecret: string };

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg('pro');
  user = await server.createUser([org]);
  app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read invoices:write clients:read' });
  other = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read' });
  front = await frontOf(server);
});
afterAll(async () => {
  await front.close();
  await server.stop();
});

const auth = (client = app) => basic(client.clientId, client.clientSecret);
const rotate = (token: string, extra = '', client = app) => front.post(`grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}${extra}`, auth(client));

async function signIn(scope = 'invoices:read invoices:write', client = app): Promise<string> {
  const { token } = await codeExchange(server, client, { redirectUri: REDIRECT, scope, organizationId: org, user });
  expect(token.status).toBe(200);
  return String(token.body.refresh_token);
}

const stored = async (token: string) => (await server.services.store.forModel('RefreshToken').find(token)) as AdapterPayload;
/** A stored refresh token less what differs between any two: its id, its times, its place in the chain. */
const stableRecord = (record: AdapterPayload) => ({ ...record, jti: undefined, iat: undefined, exp: Number(record.exp) - Number(record.iat), rotations: undefined, consumed: undefined });
/** A token answer less its tokens' own identity and times. */
function stableAnswer(answer: Answer) {
  const { access_token: accessToken, refresh_token: refreshToken, ...rest } = answer.body;
  const claims = decodeJwt(String(accessToken));
  return {
    status: answer.status,
    body: rest,
    refreshToken: typeof refreshToken,
    header: decodeProtectedHeader(String(accessToken)),
    claimNames: Object.keys(claims),
    claims: { ...claims, jti: String(claims.jti).length, iat: undefined, exp: Number(claims.exp) - Number(claims.iat) },
  };
}

describe('refresh-token fast path', () => {
  it('rotates a token itself, answering and writing what oidc-provider answers and writes for its successor', async () => {
    const first = await rotate(await signIn());
    expect(first.by).toBe('fast path');
    expect(first.status).toBe(200);
    // An unknown parameter (ignored by oidc-provider) sends the next rotation to oidc-provider.
    const second = await rotate(String(first.body.refresh_token), '&x-trace=1');
    expect(second.by).toBe('oidc-provider');
    expect(second.status).toBe(200);
    expect(Object.keys(first.body)).toEqual(Object.keys(second.body));
    expect(stableAnswer(first)).toEqual(stableAnswer(second));
    expect(decodeJwt(String(first.body.access_token))).toMatchObject({ organizationId: org, sub: user.id, client_id: app.clientId, scope: 'invoices:read invoices:write' });

    const [byFastPath, byProvider] = [await stored(String(first.body.refresh_token)), await stored(String(second.body.refresh_token))];
    expect(byFastPath.rotations).toBe(1);
    expect(byProvider.rotations).toBe(2);
    expect(stableRecord(byFastPath)).toEqual(stableRecord(byProvider));
    // And the one oidc-provider wrote rotates on the fast path again.
    const third = await rotate(String(second.body.refresh_token));
    expect([third.by, third.status]).toEqual(['fast path', 200]);
  });

  it('dates the successor from the first token of the chain, as oidc-provider does, even for a token stored without iiat', async () => {
    const tokens = [await signIn(), await signIn()];
    const issued: number[] = [];
    for (const token of tokens) {
      const { iiat, ...record } = await stored(token);
      expect(iiat).toBe(record.iat);
      await server.services.store.forModel('RefreshToken').upsert(token, record, Number(record.exp) - Math.floor(Date.now() / 1000));
      issued.push(Number(record.iat));
    }
    // The successors' own iat must differ from the first tokens' for the check to mean anything.
    while (Math.floor(Date.now() / 1000) <= Math.max(...issued)) await new Promise((resolve) => setTimeout(resolve, 50));
    const byFastPath = await rotate(tokens[0]!);
    const byProvider = await rotate(tokens[1]!, '&x-trace=1');
    expect([byFastPath.by, byFastPath.status, byProvider.by, byProvider.status]).toEqual(['fast path', 200, 'oidc-provider', 200]);
    expect((await stored(String(byFastPath.body.refresh_token))).iiat).toBe(issued[0]);
    expect((await stored(String(byProvider.body.refresh_token))).iiat).toBe(issued[1]);
  });

  it('narrows the access token to a requested scope, as oidc-provider does, and keeps the grant whole for the successor', async () => {
    const fast = await rotate(await signIn(), '&scope=invoices:read');
    const slow = await rotate(String(fast.body.refresh_token), '&scope=invoices:read&x-trace=1');
    expect([fast.by, slow.by]).toEqual(['fast path', 'oidc-provider']);
    expect(stableAnswer(fast)).toEqual(stableAnswer(slow));
    expect(fast.body.scope).toBe('invoices:read');
    expect((await stored(String(fast.body.refresh_token))).scope).toBe('invoices:read invoices:write');
  });

  it('files the access token under its grant, so introspection and revocation know it', async () => {
    const fast = await rotate(await signIn());
    const jti = String(decodeJwt(String(fast.body.access_token)).jti);
    const filed = await server.services.records.issuedAccessToken(jti);
    expect(filed).toMatchObject({ clientId: app.clientId, organizationId: org });
    expect(filed?.grantId).toEqual((await stored(String(fast.body.refresh_token))).grantId);
  });

  it('hands to oidc-provider every refusal it can know before consuming, and consumes nothing then', async () => {
    const token = await signIn();
    const cases: Array<[string, string, typeof app, string]> = [
      ['an unknown token', 'grant_type=refresh_token&refresh_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', app, 'invalid_grant'],
      ["another client's token", `grant_type=refresh_token&refresh_token=${token}`, other, 'invalid_grant'],
      ['a scope the token lacks', `grant_type=refresh_token&refresh_token=${token}&scope=clients:read`, app, 'invalid_scope'],
    ];
    for (const [name, body, client, error] of cases) {
      const answer = await front.post(body, auth(client));
      expect([name, answer.by, answer.status, answer.body.error]).toEqual([name, 'oidc-provider', 400, error]);
    }
    const wrongSecret = await front.post(`grant_type=refresh_token&refresh_token=${token}`, basic(app.clientId, `${app.clientSecret}x`));
    expect([wrongSecret.by, wrongSecret.status, wrongSecret.body.error]).toEqual(['oidc-provider', 401, 'invalid_client']);
    // None of them consumed the token.
    expect((await stored(token)).consumed).toBeUndefined();
    expect((await rotate(token)).status).toBe(200);
    // oidc-provider resolves the resource only after consuming the token; handed over, it still does.
    const elsewhere = await rotate(await signIn(), `&resource=${encodeURIComponent(`${server.url}/v1`)}`);
    expect([elsewhere.by, elsewhere.status, elsewhere.body.error]).toEqual(['oidc-provider', 400, 'invalid_target']);
  });

  it('hands a spent token to oidc-provider, which revokes the grant (checklist C25)', async () => {
    const token = await signIn();
    const next = await rotate(token);
    expect(next.status).toBe(200);
    const reuse = await rotate(token);
    expect([reuse.by, reuse.status, reuse.body.error]).toEqual(['oidc-provider', 400, 'invalid_grant']);
    const successor = await rotate(String(next.body.refresh_token));
    expect([successor.status, successor.body.error]).toEqual([400, 'invalid_grant']);
  });

  it('lets at most one of many concurrent rotations of one token succeed, and leaves no unrevealed successor (checklist C26)', async () => {
    const redis = server.services.redis!;
    const liveRefreshTokens = async (grantId: unknown) => {
      const filed = await redis.smembers(`${server.services.config.redisKeyPrefix}grant:{${String(grantId)}}`);
      return (await Promise.all(filed.filter((key) => key.includes('RefreshToken:')).map((key) => redis.exists(key)))).filter(Boolean).length;
    };
    // A loser that reads the token after the winner consumed it is handed over, and oidc-provider
    // revokes the grant (nothing is left to count); one that read it before loses the consumption
    // race on the fast path. Bursts until one burst had such losers.
    let raced = false;
    for (let burst = 0; burst < 10 && !raced; burst++) {
      const token = await signIn();
      const { grantId } = await stored(token);
      const answers = await Promise.all(Array.from({ length: 8 }, () => rotate(token)));
      const successes = answers.filter((a) => a.status === 200).length;
      expect(successes).toBeLessThanOrEqual(1);
      for (const answer of answers.filter((a) => a.status !== 200)) expect([answer.status, answer.body.error]).toEqual([400, 'invalid_grant']);
      const alive = await liveRefreshTokens(grantId);
      raced = alive > 0 && answers.some((a) => a.by === 'fast path' && a.status === 400);
      // The grant holds the spent token and at most the one successor given out: each loser's
      // successor, written beside its consumption and never revealed, is gone.
      if (alive > 0) expect(alive).toBe(1 + successes);
    }
    expect(raced).toBe(true);
  });

  it('hands over a token whose session has ended, before and after this process remembers the session, and consumes nothing', async () => {
    const sessions = server.services.store.forModel('Session');
    const endSession = async (token: string) => {
      const session = await sessions.findByUid(String((await stored(token)).sessionUid));
      await sessions.destroy(String(session?.jti));
    };
    const unseen = await signIn();
    await endSession(unseen);
    const refused = await rotate(unseen);
    expect([refused.by, refused.status, refused.body.error]).toEqual(['oidc-provider', 400, 'invalid_grant']);
    expect((await stored(unseen)).consumed).toBeUndefined();

    const remembered = await rotate(await signIn());
    expect([remembered.by, remembered.status]).toEqual(['fast path', 200]);
    await endSession(String(remembered.body.refresh_token));
    const after = await rotate(String(remembered.body.refresh_token));
    expect([after.by, after.status, after.body.error]).toEqual(['oidc-provider', 400, 'invalid_grant']);
  });

  it('hands over a token whose grant is gone', async () => {
    const token = await signIn();
    await server.services.store.forModel('Grant').destroy(String((await stored(token)).grantId));
    const refused = await rotate(token);
    expect([refused.by, refused.status, refused.body.error]).toEqual(['oidc-provider', 400, 'invalid_grant']);
  });
});

describe('refresh-token fast path, embedded (PGlite and the SQL adapter)', () => {
  it('rotates, and hands over once the session has ended', async () => {
    const embedded = await startTestServer({ external: false });
    const embeddedFront = await frontOf(embedded);
    try {
      const o = await embedded.createOrg('pro');
      const u = await embedded.createUser([o]);
      const c = await embedded.createClient({ org: o, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read' });
      const { token } = await codeExchange(embedded, c, { redirectUri: REDIRECT, scope: 'invoices:read', organizationId: o, user: u });
      const body = (t: unknown) => `grant_type=refresh_token&refresh_token=${String(t)}`;
      const first = await embeddedFront.post(body(token.body.refresh_token), basic(c.clientId, c.clientSecret));
      expect([first.by, first.status]).toEqual(['fast path', 200]);
      const record = await embedded.services.store.forModel('RefreshToken').find(String(first.body.refresh_token));
      const sessions = embedded.services.store.forModel('Session');
      await sessions.destroy(String((await sessions.findByUid(String(record?.sessionUid)))?.jti));
      const after = await embeddedFront.post(body(first.body.refresh_token), basic(c.clientId, c.clientSecret));
      expect([after.by, after.status, after.body.error]).toEqual(['oidc-provider', 400, 'invalid_grant']);
    } finally {
      await embeddedFront.close();
      await embedded.stop();
    }
  });
});

describe('REFRESH_TOKEN_FAST_PATH=false', () => {
  it('sends every rotation to oidc-provider', async () => {
    const off = await startTestServer({ env: { REFRESH_TOKEN_FAST_PATH: 'false' } });
    const offFront = await frontOf(off);
    try {
      const o = await off.createOrg('pro');
      const c = await off.createClient({ org: o, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read' });
      const { token } = await codeExchange(off, c, { redirectUri: REDIRECT, scope: 'invoices:read', organizationId: o, user: await off.createUser([o]) });
      const rotated = await offFront.post(`grant_type=refresh_token&refresh_token=${String(token.body.refresh_token)}`, basic(c.clientId, c.clientSecret));
      expect([rotated.by, rotated.status]).toEqual(['oidc-provider', 200]);
    } finally {
      await offFront.close();
      await off.stop();
    }
  });
});
