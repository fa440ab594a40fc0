// Two Keyward instances on one Postgres and one Redis: a revocation through one is refused by
// the other within a second (checklist F49). And brute force is limited (checklist F48).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, operatorKey } from '../management/helpers.js';
import { basic, codeExchange, postForm } from '../helpers/oauth-flow.js';
import { runCommand } from '../../src/operator/commands.js';

let one: TestServer;
let two: TestServer;
let org: string;
const prefix = `kwtest:${randomBytes(4).toString('hex')}:`;

beforeAll(async () => {
  one = await startTestServer({ env: { REDIS_KEY_PREFIX: prefix } });
  two = await startTestServer({ env: { REDIS_KEY_PREFIX: prefix } });
  org = await one.createOrg('pro');
});
afterAll(async () => {
  await two.stop();
  await one.stop();
});

describe('across replicas', () => {
  it('refuses a key revoked on another instance within one second (checklist F49)', async () => {
    const admin = await operatorKey(one, org, ['api-keys:*']);
    const victim = await operatorKey(one, org, ['api-keys:read']);
    // Instance two has verified (and cached) the key.
    expect((await api(two, 'GET', '/v1/api-keys', victim.key)).status).toBe(200);
    expect((await api(one, 'POST', `/v1/api-keys/${victim.id}/revoke`, admin.key, {})).status).toBe(200);
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 1000) {
      status = (await api(two, 'GET', '/v1/api-keys', victim.key)).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("refuses a removed member's access token on another instance within one second", async () => {
    const vendor = await one.createOrg('council');
    const app = await one.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'], scope: 'api-keys:read' });
    const user = await one.createUser([org]);
    const { token } = await codeExchange(one, app, { redirectUri: 'https://app.example/cb', scope: 'api-keys:read', user });
    const bearer = { authorization: `Bearer ${String(token.body.access_token)}` };
    // A replica of instance one (same issuer), which has looked the membership up and cached it.
    const replica = await startTestServer({ env: { REDIS_KEY_PREFIX: prefix, ISSUER: one.url } });
    try {
      const atReplica = { ...replica, url: replica.running.url };
      expect((await api(atReplica, 'GET', '/v1/api-keys', undefined, undefined, bearer)).status).toBe(200);
      const admin = await operatorKey(one, org, ['members:*']);
      expect((await api(one, 'DELETE', `/v1/members/${user.id}`, admin.key)).status).toBe(200);
      expect(await statusWithin(1000, () => api(atReplica, 'GET', '/v1/api-keys', undefined, undefined, bearer), 401)).toBe(401);
    } finally {
      await replica.stop();
    }
  });

  it('stops issuing tokens to a client deleted through another instance within one second', async () => {
    const owner = await one.createOrg('pro');
    const client = await one.createClient({ org: owner, grants: ['client_credentials'], scope: 'invoices:read' });
    const token = () => postForm(two, '/oauth2/token', { grant_type: 'client_credentials', scope: 'invoices:read' }, { authorization: basic(client.clientId, client.clientSecret) });
    // Instance two has read (and cached) the client.
    expect((await token()).status).toBe(200);
    const admin = await operatorKey(one, owner, ['oauth-clients:*']);
    expect((await api(one, 'DELETE', `/v1/oauth-clients/${client.clientId}`, admin.key)).status).toBe(200);
    expect(await statusWithin(1000, token, 401)).toBe(401);
  });

  it('issues the next client-credentials token under a plan changed through another instance within one second', async () => {
    const council = await one.createOrg('council');
    const client = await one.createClient({ org: council, grants: ['client_credentials'], scope: 'payouts:read' });
    const token = () => postForm(two, '/oauth2/token', { grant_type: 'client_credentials', scope: 'payouts:read' }, { authorization: basic(client.clientId, client.clientSecret) });
    expect((await token()).status).toBe(200);
    await runCommand(one.services, { name: 'org.set-plan', org: council, plan: 'pro' });
    expect(await statusWithin(1000, token, 400)).toBe(400);
  });
});

/** Polls `request` until it answers `wanted` or `ms` pass; the last status. */
async function statusWithin(ms: number, request: () => Promise<{ status: number }>, wanted: number): Promise<number> {
  const started = Date.now();
  let status = (await request()).status;
  while (status !== wanted && Date.now() - started < ms) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    status = (await request()).status;
  }
  return status;
}

describe('brute force (checklist F48)', () => {
  it('limits failures per address with 429 and Retry-After, on every instance', async () => {
    let status = 401;
    let attempts = 0;
    while (status === 401 && attempts < 100) {
      status = (await api(one, 'GET', '/v1/api-keys', `sk_live_${randomBytes(30).toString('hex').slice(0, 49)}`)).status;
      attempts++;
    }
    expect(status).toBe(429);
    // 60 failures per minute per address; the limit is shared by the instances.
    expect(attempts).toBe(61);
    const blocked = await api(two, 'GET', '/v1/api-keys', `sk_live_${randomBytes(30).toString('hex').slice(0, 49)}`);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
