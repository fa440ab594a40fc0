import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { privateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { basic, postForm } from '../helpers/oauth-flow.js';

let redis: PrivateRedis;
let server: TestServer;
let client: { clientId: string; clientSecret: string };

beforeAll(async () => {
  redis = await privateRedis();
  server = await startTestServer({ env: { REDIS_URL: redis.url } });
  client = await server.createClient({ org: await server.createOrg(), grants: ['client_credentials'] });
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

  it('G53 under load, a Redis stop turns answers into 503s (never 500s, never a token) and they recover', async () => {
    const auth = { authorization: basic(client.clientId, client.clientSecret) };
    const statuses: Array<{ at: number; status: number; token: boolean }> = [];
    let stoppedAt = Infinity;
    let restartedAt = Infinity;
    const until = Date.now() + 4000;
    const load = Array.from({ length: 6 }, async () => {
      while (Date.now() < until) {
        const res = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, auth);
        statuses.push({ at: Date.now(), status: res.status, token: typeof res.body.access_token === 'string' });
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
    // Once the outage is known (a moment after the stop), no token is issued until Redis is back.
    const during = statuses.filter((s) => s.at > stoppedAt + 300 && s.at < restartedAt);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((s) => s.status === 503 && !s.token)).toBe(true);
    expect(statuses.filter((s) => s.at > restartedAt + 1000).some((s) => s.status === 200)).toBe(true);
  }, 30_000);
});
