// Starts Keyward exactly as the image does: compiled sources, `npm ci --omit=dev` in a fresh
// folder, NODE_ENV=production, real Postgres and Redis; then discovery and a token.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deleteRedisPrefix, TEST_SECRET } from '../helpers/server.js';
import { freePort } from '../helpers/free-port.js';
import { basic } from '../helpers/oauth-flow.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const image = mkdtempSync(join(tmpdir(), 'keyward-image-'));
const prefix = `kwtest:${randomBytes(4).toString('hex')}:`;
let env: Record<string, string>;

beforeAll(() => {
  // The build stage, into the image folder (never ./dist, which other tests use).
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', join(image, 'dist')], { cwd: ROOT });
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.migrations.json', '--outDir', join(image, 'dist', 'migrations')], { cwd: ROOT });
  for (const path of ['package.json', 'package-lock.json', 'views', 'bin']) cpSync(join(ROOT, path), join(image, path), { recursive: true });
  // The runtime stage: production dependencies only, of the server alone (no packages/ workspaces).
  execFileSync('npm', ['ci', '--omit=dev', '--workspaces=false', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: image, stdio: 'pipe' });
  env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    KEYWARD_SECRET: TEST_SECRET,
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: prefix,
    ALLOW_INSECURE_ISSUER: 'true',
  };
}, 360_000);

afterAll(async () => {
  rmSync(image, { recursive: true, force: true });
  await deleteRedisPrefix(inject('redisUrl'), prefix);
});

describe('production start (npm run start:prod, as in the image)', () => {
  it('has no dev dependency to lean on', () => {
    expect(spawnSync('test', ['-d', join(image, 'node_modules', 'vitest')]).status).not.toBe(0);
    expect(spawnSync('test', ['-d', join(image, 'node_modules', 'tsx')]).status).not.toBe(0);
  });

  it('refuses to start without what production needs, naming it in one line', () => {
    const result = spawnSync(process.execPath, ['dist/main.js'], { cwd: image, env: { PATH: env.PATH, NODE_ENV: 'production' }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('keyward: missing KEYWARD_SECRET, DATABASE_URL, REDIS_URL: required when NODE_ENV=production');
    const http = spawnSync(process.execPath, ['dist/main.js'], { cwd: image, env: { ...env, ALLOW_INSECURE_ISSUER: 'false', ISSUER: 'http://example.com' }, encoding: 'utf8', timeout: 30_000 });
    expect(http.status).toBe(1);
    expect(http.stderr).toContain('invalid ISSUER: must be https');
  });

  it('serves discovery and a client-credentials token, takes CLI commands, and stops cleanly', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const server = spawn(process.execPath, ['dist/main.js'], { cwd: image, env: { ...env, PORT: String(port), ISSUER: issuer }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout.on('data', (c: Buffer) => (output += c.toString()));
    server.stderr.on('data', (c: Buffer) => (output += c.toString()));
    try {
      for (let i = 0; i < 900 && !output.includes('keyward started') && server.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
      expect(output, output).toContain('keyward started');
      const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
      expect(discovery.token_endpoint).toBe(`${issuer}/oauth2/token`);
      const cli = (...args: string[]) => JSON.parse(execFileSync(process.execPath, ['bin/keyward.js', ...args, '--json'], { cwd: image, env: { ...env, ISSUER: issuer }, encoding: 'utf8' })) as Record<string, string>;
      const org = cli('org', 'create', '--name', 'Prod');
      const client = cli('client', 'create', '--org', org.id!, '--name', 'svc', '--grant', 'client_credentials');
      const token = await fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.client_id!, client.client_secret!) },
        body: 'grant_type=client_credentials',
      });
      expect(token.status).toBe(200);
      expect(((await token.json()) as { token_type: string }).token_type).toBe('Bearer');
    } finally {
      if (server.exitCode === null) {
        const exited = once(server, 'exit');
        server.kill('SIGTERM');
        const [code] = (await exited) as [number];
        expect(code).toBe(0);
      }
    }
  }, 120_000);
});
