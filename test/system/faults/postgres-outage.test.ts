// Postgres stopped under a running Keyward (a private cluster of the test's own, never the
// shared one): what needs the database answers 503 with Retry-After and lets nobody in,
// /readyz names the database, and everything recovers when it returns, without a restart.
// The one thing served without the database is a client read from it in the last CACHE_TTL
// (10 s, src/clients/registry.ts): that is the TTL counted from the last successful read,
// never extended because the database is away (docs/security.md, Decisions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privatePostgres, type PrivatePostgres } from '../../helpers/private-postgres.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { basic, postForm } from '../../helpers/oauth-flow.js';
import { operatorKey } from '../../management/helpers.js';

const CLIENT_CACHE_TTL_MS = 10_000; // src/clients/registry.ts CACHE_TTL_MS
let postgres: PrivatePostgres;
let server: TestServer;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ready(expected: number) {
  let status = 0;
  for (let i = 0; i < 100 && status !== expected; i++) {
    status = (await fetch(`${server.url}/readyz`)).status;
    if (status !== expected) await sleep(100);
  }
  return status;
}

const clientCredentials = (c: { clientId: string; clientSecret: string }) =>
  postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(c.clientId, c.clientSecret) });

/** A clean fail-closed answer: 503, Retry-After, no token, nothing internal. */
function expectUnavailable(res: Awaited<ReturnType<typeof postForm>>) {
  expect(res.status).toBe(503);
  expect(res.body.error).toBe('temporarily_unavailable');
  expect(res.headers.get('retry-after')).toBeTruthy();
  expect(res.body.access_token).toBeUndefined();
  expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|at .*\.ts/);
}

beforeAll(async () => {
  postgres = await privatePostgres();
  server = await startTestServer({ env: { DATABASE_URL: postgres.url } });
}, 120_000);

afterAll(async () => {
  try {
    postgres?.start(); // a test that failed mid-outage: let the server stop cleanly
  } catch {
    // running
  }
  await server?.stop();
  postgres?.remove();
}, 60_000);

describe('G54 Postgres outage', () => {
  it('G54 cached client served only within its TTL, uncached client and API key 503, no token; recovers without restart', async () => {
    const org = await server.createOrg();
    const cached = await server.createClient({ org, grants: ['client_credentials'] });
    const uncached = await server.createClient({ org, grants: ['client_credentials'] });
    const rs = await server.createClient({ org, grants: ['client_credentials'], introspect: true });
    const key = await operatorKey(server, org, ['api-keys:read']);
    expect(await ready(200)).toBe(200);

    // The cached client's last successful database read: its token, just before the outage.
    expect((await clientCredentials(cached)).status).toBe(200);
    const readAt = Date.now(); // the cache entry expires at most CLIENT_CACHE_TTL_MS after this

    postgres.stop();
    const readiness = await fetch(`${server.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ checks: { database: 'down' } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    // Within the TTL, the cached client still gets a token: nothing about it needs the database.
    const within = await clientCredentials(cached);
    expect(Date.now() - readAt).toBeLessThan(CLIENT_CACHE_TTL_MS - 2000); // really inside the TTL
    expect(within.status).toBe(200);
    expect(typeof within.body.access_token).toBe('string');

    // A client this process has not read is not answered from nowhere.
    expectUnavailable(await clientCredentials(uncached));
    const management = await fetch(`${server.url}/v1/api-keys`, { headers: { 'x-api-key': key.key } });
    expect(management.status).toBe(503);
    expect(management.headers.get('retry-after')).toBeTruthy();
    const introspection = await postForm(server, '/oauth2/introspect', { token: key.key }, { authorization: basic(rs.clientId, rs.clientSecret) });
    expectUnavailable(introspection);
    expect(introspection.body.active).toBeUndefined();

    // Past the TTL the cached entry is gone, not served stale because the database is away.
    await sleep(Math.max(0, readAt + CLIENT_CACHE_TTL_MS + 300 - Date.now()));
    expectUnavailable(await clientCredentials(cached));

    const restarted = Date.now();
    postgres.start();
    // Within one readiness-probe interval (k8s/deployment.yaml: periodSeconds 5), no restart.
    expect(await ready(200)).toBe(200);
    expect(Date.now() - restarted).toBeLessThan(5000 + 3000); // pg_ctl start itself takes a moment
    expect((await clientCredentials(cached)).status).toBe(200);
    expect((await clientCredentials(uncached)).status).toBe(200);
    expect((await fetch(`${server.url}/v1/api-keys`, { headers: { 'x-api-key': key.key } })).status).toBe(200);
  }, 60_000);
});
