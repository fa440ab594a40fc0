// The newcomer's path: no DATABASE_URL, no REDIS_URL. PGlite and the SQL adapter hold
// everything in DATA_DIR, the CLI works while the server runs, and data survives a restart.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { json, runCommand, spawnServer } from '../helpers/process.js';
import { basic } from '../helpers/oauth-flow.js';

// Each test has a data folder of its own: a test that timed out with a process still holding
// its folder cannot take the next test down with it.
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
function freshDataDir(): { dataDir: string; env: { DATA_DIR: string } } {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyward-embedded-'));
  folders.push(dataDir);
  return { dataDir, env: { DATA_DIR: dataDir } };
}

async function clientCredentials(url: string, id: string, secret: string) {
  const res = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(id, secret) },
    body: 'grant_type=client_credentials&scope=invoices:read',
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

// Processes and a first PGlite start in a fresh folder: slow on a loaded two-core machine.
describe('embedded mode', { timeout: 420_000 }, () => {
  it('serves discovery and JWKS, takes CLI commands while running, and keeps its data across a restart', async () => {
    const { dataDir, env } = freshDataDir();
    const first = await spawnServer(env);
    let clientId: string;
    let clientSecret: string;
    let kids: string[];
    try {
      expect(first.output()).toContain(`creating the embedded database in ${join(dataDir, 'pgdata')}`);
      expect(first.output()).toContain(`keyward started: listening on http://localhost:${new URL(first.url).port} (issuer ${first.url};`);
      expect(first.output()).toContain(`registry: embedded PGlite in ${dataDir}; protocol state: the database`);
      expect(first.output()).toContain('"database":"pglite"');
      expect(first.output()).toContain('"protocolState":"sql"');
      const discovery = await fetch(`${first.url}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      const jwks = (await (await fetch(`${first.url}/oauth2/jwks`)).json()) as { keys: Array<{ kid: string }> };
      kids = jwks.keys.map((k) => k.kid).sort();
      expect(kids.length).toBeGreaterThanOrEqual(2);

      // The server holds the database: the CLI goes through the control socket.
      const org = json(await runCommand(['org', 'create', '--name', 'Embedded Org', '--json'], env));
      const client = json(
        await runCommand(['client', 'create', '--org', String(org.id), '--name', 'svc', '--grant', 'client_credentials', '--json'], env),
      );
      clientId = String(client.client_id);
      clientSecret = String(client.client_secret);
      const token = await clientCredentials(first.url, clientId, clientSecret);
      expect(token.status).toBe(200);
      expect(statSync(join(dataDir, 'keyward.sock')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, 'secret')).mode & 0o777).toBe(0o600);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    // Without ISSUER, the issuer follows the port, so discovery names the endpoints it serves.
    const second = await spawnServer({ ...env, ISSUER: '' });
    try {
      expect(second.output()).not.toContain('creating the embedded database');
      const port = new URL(second.url).port;
      const metadata = (await (await fetch(`${second.url}/.well-known/openid-configuration`)).json()) as Record<string, string>;
      expect(metadata.issuer).toBe(`http://localhost:${port}`);
      // oidc-provider names endpoints from the request's own host; the port is what mattered.
      expect(new URL(metadata.token_endpoint!).port).toBe(port);
      const jwks = (await (await fetch(`${second.url}/oauth2/jwks`)).json()) as { keys: Array<{ kid: string }> };
      expect(jwks.keys.map((k) => k.kid).sort()).toEqual(kids);
      expect((await clientCredentials(second.url, clientId, clientSecret)).status).toBe(200);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('runs the CLI directly on the embedded database when no server holds it', async () => {
    const { dataDir, env } = freshDataDir();
    const org = json(await runCommand(['org', 'create', '--name', 'Offline Org', '--plan', 'pro', '--json'], env));
    expect(org).toMatchObject({ name: 'Offline Org', plan: 'pro' });
    expect(readFileSync(join(dataDir, 'secret'), 'utf8').length).toBeGreaterThanOrEqual(32);
  });

  it('refuses to open a data folder another live process holds', async () => {
    const { dataDir, env } = freshDataDir();
    const running = await spawnServer(env);
    try {
      const port = String(Number(new URL(running.url).port) + 1);
      const second = await import('node:child_process').then(({ spawnSync }) =>
        spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
          env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: port },
          encoding: 'utf8',
          timeout: 30_000,
        }),
      );
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(/in use by process \d+/);
    } finally {
      await running.stop();
    }
  });
});
