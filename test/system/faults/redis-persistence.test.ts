// A refresh token issued before a Redis restart (AOF persistence, as docs/security.md asks)
// still works after it, and Keyward reconnects without a restart of its own.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { freePort } from '../../helpers/free-port.js';
import { basic, codeExchange, postForm } from '../../helpers/oauth-flow.js';

let server: TestServer;
let port: number;
const dir = mkdtempSync(join(tmpdir(), 'keyward-aof-'));
const cli = (...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args], { stdio: 'pipe' }).toString().trim();

async function startRedis() {
  execFileSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'yes', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir, '--pidfile', join(dir, 'redis.pid')]);
  for (let i = 0; i < 100; i++) {
    try {
      if (cli('ping') === 'PONG') return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis did not start');
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  server = await startTestServer({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
});
afterAll(async () => {
  await server.stop();
  try {
    cli('shutdown', 'nosave');
  } catch {
    // already down
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis restart with AOF persistence', () => {
  it('G53 keeps refresh tokens and grants across the restart', async () => {
    const org = await server.createOrg();
    const user = await server.createUser([org]);
    const app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'] });
    const { token } = await codeExchange(server, app, { redirectUri: 'https://app.example/cb', scope: 'invoices:read', user });
    await new Promise((r) => setTimeout(r, 1100)); // appendfsync everysec
    cli('shutdown'); // with AOF on, shutdown writes it out
    await startRedis();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await fetch(`${server.url}/readyz`)).status;
    }
    expect(status).toBe(200);
    const refreshed = await postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: String(token.body.refresh_token) }, { authorization: basic(app.clientId, app.clientSecret) });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).toEqual(expect.any(String));
  });
});
