import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { json, runCli } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { basic, postForm } from './helpers/oauth-flow.js';

let env: Record<string, string>;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  // The CLI talks to the same database and uses the same secret as the running server.
  env = { DATABASE_URL: inject('databaseUrl'), KEYWARD_SECRET: 'test-secret-test-secret-test-secret-0123456789' };
});
afterAll(() => server.stop());

describe('keyward CLI', () => {
  it('prints usage with --help', async () => {
    const result = await runCli(['--help'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('client create');
  });

  it('migrates, and is idempotent', async () => {
    expect(json(await runCli(['migrate', '--json'], env))).toEqual({ applied: [] });
  });

  it('creates an organization and a client whose secret works at the token endpoint', async () => {
    const org = json(await runCli(['org', 'create', '--name', 'Acme', '--plan', 'council', '--json'], env));
    expect(org.id).toMatch(/^org_[0-9A-Za-z]{20}$/);
    const client = json(
      await runCli(
        ['client', 'create', '--org', String(org.id), '--name', 'Billing sync', '--grant', 'client_credentials', '--scope', 'invoices:read', '--json'],
        env,
      ),
    );
    expect(client.client_id).toMatch(/^cli_/);
    expect(String(client.client_secret)).toMatch(/^kwcs_[0-9A-Za-z]{44}$/);
    const token = await postForm(
      server,
      '/oauth2/token',
      { grant_type: 'client_credentials' },
      { authorization: basic(String(client.client_id), String(client.client_secret)) },
    );
    expect(token.status).toBe(200);
  });

  it('stores only a hash of the client secret', async () => {
    const org = json(await runCli(['org', 'create', '--name', 'Hashco', '--json'], env));
    const client = json(await runCli(['client', 'create', '--org', String(org.id), '--name', 'x', '--grant', 'client_credentials', '--json'], env));
    const row = await server.services.database.db
      .selectFrom('oauth_clients')
      .selectAll()
      .where('client_id', '=', String(client.client_id))
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(String(client.client_secret));
    expect(row.secret_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('rotates a client secret; the old one works only during the grace period', async () => {
    const org = await server.createOrg();
    const created = await server.createClient({ org, grants: ['client_credentials'] });
    const rotated = json(await runCli(['client', 'rotate-secret', created.clientId, '--grace', '2', '--json'], env));
    server.services.registry.invalidate(created.clientId); // the CLI ran in another process
    const cc = (secret: string) =>
      postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(created.clientId, secret) });
    expect((await cc(String(rotated.client_secret))).status).toBe(200);
    expect((await cc(created.clientSecret)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    server.services.registry.invalidate(created.clientId);
    expect((await cc(created.clientSecret)).status).toBe(401);
    expect((await cc(String(rotated.client_secret))).status).toBe(200);
  });

  it('rotates without grace: the old secret stops once the registry is re-read', async () => {
    const org = await server.createOrg();
    const created = await server.createClient({ org, grants: ['client_credentials'] });
    const rotated = json(await runCli(['client', 'rotate-secret', created.clientId, '--json'], env));
    server.services.registry.invalidate(created.clientId);
    const cc = (secret: string) =>
      postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(created.clientId, secret) });
    expect((await cc(created.clientSecret)).status).toBe(401);
    expect((await cc(String(rotated.client_secret))).status).toBe(200);
  });

  it.each([
    [['org', 'create'], 2, 'missing --name'],
    [['client', 'create', '--org', 'org_x', '--name', 'n'], 1, 'at least one grant type'],
    [['frobnicate'], 2, 'unknown command'],
    [['org', 'create', '--name', 'x', '--bogus'], 2, 'bogus'],
    [['org', 'create', '--name', 'x', '--plan', 'platinum'], 1, 'unknown plan'],
    [['client', 'create', '--org', 'org_nope', '--name', 'n', '--grant', 'client_credentials'], 1, 'no organization'],
    [['client', 'create', '--org', 'org_x', '--name', 'n', '--grant', 'authorization_code', '--redirect-uri', 'javascript:alert(1)'], 1, 'forbidden scheme'],
    [['client', 'create', '--org', 'org_x', '--name', 'n', '--grant', 'authorization_code', '--redirect-uri', 'http://public.example/cb'], 1, 'https'],
  ])('refuses %j with exit %i and one line', async (args, code, message) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it('names a bad environment variable in one line', async () => {
    const result = await runCli(['migrate'], { ...env, DATABASE_URL: 'mysql://nope' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('keyward: invalid DATABASE_URL: must be a postgres:// URL');
  });
});
