// The two examples run against a live Keyward. They import @keyward/verify and @keyward/client
// by name, which tsx resolves to the packages' sources (tsconfig.json paths); the built and
// installed packages are test/system/packages.test.ts's.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { freePort } from '../helpers/free-port.js';
import { operatorKey } from '../management/helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let server: TestServer;
let org: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg('pro');
});
afterAll(() => server.stop());

describe('examples', () => {
  it('the m2m script calls the example resource server with a token; an API key works too; a bad one is refused', async () => {
    const rs = await server.createClient({ org, grants: ['client_credentials'], introspect: true });
    const m2m = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read' });
    const port = await freePort();
    const api = spawn(process.execPath, ['--import', 'tsx', 'examples/resource-server/server.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        KEYWARD_ISSUER: server.url,
        API_AUDIENCE: server.services.config.resources[0],
        INTROSPECTION_CLIENT_ID: rs.clientId,
        INTROSPECTION_CLIENT_SECRET: rs.clientSecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      api.stdout.on('data', (c: Buffer) => (out += c.toString()));
      for (let i = 0; i < 200 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
      const script = spawn(process.execPath, ['--import', 'tsx', 'examples/m2m/call.ts'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, KEYWARD_ISSUER: server.url, CLIENT_ID: m2m.clientId, CLIENT_SECRET: m2m.clientSecret, API_URL: `http://127.0.0.1:${port}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let result = '';
      script.stdout.on('data', (c: Buffer) => (result += c.toString()));
      const [code] = (await once(script, 'exit')) as [number];
      expect(code).toBe(0);
      expect(JSON.parse(result)).toEqual({ status: 200, body: { organizationId: org, data: [] } });

      const key = await operatorKey(server, org, ['clients:read']);
      const withKey = await fetch(`http://127.0.0.1:${port}/v1/clients`, { headers: { 'x-api-key': key.key } });
      expect(withKey.status).toBe(200);
      const wrongScope = await fetch(`http://127.0.0.1:${port}/v1/invoices`, { method: 'POST', headers: { 'x-api-key': key.key } });
      expect(wrongScope.status).toBe(403);
      expect(wrongScope.headers.get('www-authenticate')).toContain('scope="invoices:write"');
      expect(await wrongScope.json()).toMatchObject({ error: 'insufficient_scope', scope: 'invoices:write' });
      const bad = await fetch(`http://127.0.0.1:${port}/v1/clients`, { headers: { authorization: 'Bearer nope.nope.nope' } });
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token"');
    } finally {
      api.kill('SIGTERM');
    }
  }, 60_000);
});
