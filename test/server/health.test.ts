import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { privateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { authorize, basic, codeExchange, pkcePair, postForm } from '../helpers/oauth-flow.js';
import { api, operatorKey } from '../management/helpers.js';

let redis: PrivateRedis;
let server: TestServer;
let client: { clientId: string; clientSecret: string };
let resourceServer: { clientId: string; clientSecret: string };
let apiKey: string;

beforeAll(async () => {
  redis = await privateRedis();
  server = await startTestServer({ env: { REDIS_URL: redis.url } });
  const org = await server.createOrg();
  client = await server.createClient({ org, grants: ['client_credentials'] });
  resourceServer = await server.createClient({ org, grants: ['client_credentials'], introspect: true });
  apiKey = (await operatorKey(server, org, ['api-keys:read'])).key;
});
afterAll(async () => {
  await redis.start();
  await server.stop();
  redis.remove();
});

describe('health', () => {
  it('is live and ready while Postgres and Redis answer', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'up', redis: 'up' } });
  });

  it('G53 turns not-ready naming Redis when it stops, refuses tokens with 503, and recovers when it returns', async () => {
    redis.stop();
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBeTruthy();
    expect(await ready.json()).toMatchObject({ status: 'unavailable', checks: { database: 'up', redis: 'down' } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    const token = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.clientSecret) });
    expect(token.status).toBe(503);
    expect(token.body.error).toBe('temporarily_unavailable');
    expect(token.headers.get('retry-after')).toBeTruthy();
    expect(token.body.access_token).toBeUndefined();

    await redis.start();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await fetch(`${server.url}/readyz`)).status;
    }
    expect(status).toBe(200);
    const again = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.clientSecret) });
    expect(again.status).toBe(200);
  });

  it('G53 with Redis stopped, introspection and API-key calls answer 503 with Retry-After and let nobody in; both recover', async () => {
    const introspect = () => postForm(server, '/oauth2/introspect', { token: apiKey }, { authorization: basic(resourceServer.clientId, resourceServer.clientSecret) });
    const listKeys = () => api(server, 'GET', '/v1/api-keys', apiKey);
    // Warm every cache first: an outage must not be hidden by what a replica remembers.
    expect((await introspect()).body).toMatchObject({ active: true });
    expect((await listKeys()).status).toBe(200);

    redis.stop();
    // A replica learns of the outage when its connections drop (a moment after the stop).
    let first = await introspect();
    for (let i = 0; i < 20 && first.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      first = await introspect();
    }
    for (const res of [first, await listKeys()]) {
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ error: 'temporarily_unavailable' });
      expect(res.headers.get('retry-after')).toBeTruthy();
    }

    await redis.start();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await introspect()).status;
    }
    expect((await introspect()).body).toMatchObject({ active: true });
    expect((await listKeys()).status).toBe(200);
  });

  it('G53 with Redis down, authorize, code exchange, refresh, introspection and an API-key call get 503 and nothing is issued or accepted; discovery and JWKS stay up', async () => {
    const org = await server.createOrg();
    const user = await server.createUser([org]);
    const redirectUri = 'https://app.example/cb';
    const app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [redirectUri], scope: 'invoices:read' });
    const rs = await server.createClient({ org, grants: ['client_credentials'], introspect: true });
    const key = await operatorKey(server, org, ['api-keys:read']);
    const flow = { redirectUri, scope: 'invoices:read', user };
    const { token } = await codeExchange(server, app, flow);
    const { verifier, challenge } = pkcePair();
    const code = (await authorize(server, { ...flow, clientId: app.clientId, challenge })).searchParams.get('code')!;
    // Each credential works, and is known to this process, before the outage.
    expect((await fetch(`${server.url}/v1/api-keys`, { headers: { 'x-api-key': key.key } })).status).toBe(200);
    const appAuth = { authorization: basic(app.clientId, app.clientSecret) };
    const rsAuth = { authorization: basic(rs.clientId, rs.clientSecret) };
    expect((await postForm(server, '/oauth2/introspect', { token: key.key }, rsAuth)).body.active).toBe(true);

    redis.stop();
    try {
      const answers = {
        code: await postForm(server, '/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, appAuth),
        refresh: await postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: String(token.body.refresh_token) }, appAuth),
        introspectKey: await postForm(server, '/oauth2/introspect', { token: key.key }, rsAuth),
        introspectRefresh: await postForm(server, '/oauth2/introspect', { token: String(token.body.refresh_token) }, rsAuth),
      };
      for (const [name, res] of Object.entries(answers)) {
        expect(res.status, name).toBe(503);
        expect(res.body.error, name).toBe('temporarily_unavailable');
        expect(res.headers.get('retry-after'), name).toBeTruthy();
        expect(res.body.access_token, name).toBeUndefined();
        expect(res.body.active, name).toBeUndefined();
        expect(JSON.stringify(res.body), name).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|\.ts:\d/);
      }
      const keyCall = await fetch(`${server.url}/v1/api-keys`, { headers: { 'x-api-key': key.key } });
      expect(keyCall.status).toBe(503);
      expect(keyCall.headers.get('retry-after')).toBeTruthy();
      const auth = await fetch(`${server.url}/oauth2/authorize?${new URLSearchParams({ client_id: app.clientId, response_type: 'code', redirect_uri: redirectUri, scope: 'invoices:read', code_challenge: challenge, code_challenge_method: 'S256' })}`, { redirect: 'manual' });
      expect(auth.status).toBe(503);
      expect(auth.headers.get('location')).toBeNull();
      for (const path of ['/.well-known/openid-configuration', '/oauth2/jwks']) expect((await fetch(`${server.url}${path}`)).status, path).toBe(200);
    } finally {
      await redis.start();
    }
  });

  it('G53 a replica whose revocation feed dropped forgets its cached keys once it hears again', async () => {
    const org = await server.createOrg();
    const { id, key } = await operatorKey(server, org, ['api-keys:read']);
    // The test before restarted Redis: wait until this replica hears the feed again.
    let first = await api(server, 'GET', '/v1/api-keys', key);
    for (let i = 0; i < 100 && first.status === 503; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      first = await api(server, 'GET', '/v1/api-keys', key);
    }
    expect(first.status).toBe(200);
    // A revocation this replica never hears of (published while its subscription was down).
    await server.services.database.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', id).execute();
    expect((await api(server, 'GET', '/v1/api-keys', key)).status).toBe(200); // still cached
    execFileSync('redis-cli', ['-p', new URL(redis.url).port, 'client', 'kill', 'type', 'pubsub']);
    const statuses: number[] = [];
    for (let i = 0; i < 100 && statuses.at(-1) !== 401; i++) {
      statuses.push((await api(server, 'GET', '/v1/api-keys', key)).status);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Refused while the feed is down or the key is gone from the cache: never accepted again.
    expect(statuses.every((status) => status === 503 || status === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(401);
  });

  it('G53 under load, a Redis stop turns answers into 503s (never 500s, never a token) and they recover', async () => {
    const auth = { authorization: basic(client.clientId, client.clientSecret) };
    const statuses: Array<{ started: number; at: number; status: number; token: boolean }> = [];
    let stoppedAt = Infinity;
    let restartedAt = Infinity;
    const until = Date.now() + 4000;
    const load = Array.from({ length: 6 }, async () => {
      while (Date.now() < until) {
        const started = Date.now();
        const res = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, auth);
        statuses.push({ started, at: Date.now(), status: res.status, token: typeof res.body.access_token === 'string' });
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    redis.stop();
    stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await redis.start();
    restartedAt = Date.now();
    await Promise.all(load);
    expect(statuses.every((s) => s.status === 200 || s.status === 503)).toBe(true);
    // Once the outage is known (the first refusal; how soon after the stop depends on how busy
    // the machine is), no request started after it gets a token until Redis is back.
    const known = statuses.filter((s) => s.at > stoppedAt && s.status === 503).reduce((first, s) => Math.min(first, s.at), Infinity);
    expect(known).toBeLessThan(restartedAt);
    const during = statuses.filter((s) => s.started > known && s.at < restartedAt);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((s) => s.status === 503 && !s.token)).toBe(true);
    expect(statuses.filter((s) => s.at > restartedAt + 1000).some((s) => s.status === 200)).toBe(true);
  }, 30_000);
});
