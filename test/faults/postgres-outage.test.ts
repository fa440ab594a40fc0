// Postgres stopped under a running Keyward (a private cluster of the test's own, never the
// shared one): what needs the database answers 503 with Retry-After and lets nobody in,
// /readyz names the database, and everything recovers when it returns, without a restart.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/oauth-flow.js';
import { operatorKey } from '../api-keys/helpers.js';

const cluster = `kw_fault_${randomBytes(3).toString('hex')}`;
const version = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n')[0]!;
let port: number;
let server: TestServer;
const ctl = (action: string, ...args: string[]) => execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, cluster, action, ...args], { stdio: 'pipe' });

async function ready(expected: number) {
  let status = 0;
  for (let i = 0; i < 100 && status !== expected; i++) {
    status = (await fetch(`${server.url}/readyz`)).status;
    if (status !== expected) await new Promise((r) => setTimeout(r, 100));
  }
  return status;
}

beforeAll(async () => {
  port = await freePort();
  execFileSync('pg_createcluster', [version, cluster, '-p', String(port), '--', '--auth=trust'], { stdio: 'pipe' });
  ctl('start');
  server = await startTestServer({ env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres` } });
}, 120_000);

afterAll(async () => {
  try {
    ctl('start');
  } catch {
    // running
  }
  await server?.stop();
  execFileSync('pg_dropcluster', ['--stop', version, cluster], { stdio: 'pipe' });
}, 60_000);

describe('Postgres outage', () => {
  it('fails closed with 503, then recovers on its own', async () => {
    const org = await server.createOrg();
    const svc = await server.createClient({ org, grants: ['client_credentials'] });
    const rs = await server.createClient({ org, grants: ['client_credentials'], introspect: true });
    const key = await operatorKey(server, org, ['api-keys:read']);
    expect(await ready(200)).toBe(200);

    ctl('stop', '-m', 'fast');
    const readiness = await fetch(`${server.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ checks: { database: 'down' } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    // Nothing that needs the database is answered from nowhere.
    const token = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(svc.clientId, svc.clientSecret) });
    expect(token.status).toBe(503);
    expect(token.body.error).toBe('temporarily_unavailable');
    expect(token.headers.get('retry-after')).toBeTruthy();
    expect(token.body.access_token).toBeUndefined();
    const management = await fetch(`${server.url}/v1/api-keys`, { headers: { 'x-api-key': key.key } });
    expect(management.status).toBe(503);
    const introspection = await postForm(server, '/oauth2/introspect', { token: key.key }, { authorization: basic(rs.clientId, rs.clientSecret) });
    expect(introspection.status).toBe(503);
    expect(JSON.stringify(introspection.body)).not.toContain('127.0.0.1');

    ctl('start');
    expect(await ready(200)).toBe(200);
    const after = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(svc.clientId, svc.clientSecret) });
    expect(after.status).toBe(200);
    expect((await fetch(`${server.url}/v1/api-keys`, { headers: { 'x-api-key': key.key } })).status).toBe(200);
  }, 60_000);
});
