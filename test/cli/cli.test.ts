import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { json, runCli, runCommand } from '../helpers/process.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/oauth-flow.js';

let env: Record<string, string>;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  // The CLI talks to the same database and uses the same secret as the running server.
  env = {
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: server.services.config.redisKeyPrefix,
    KEYWARD_SECRET: TEST_SECRET,
  };
});
afterAll(() => server.stop());

// Most commands run in this process (runCommand); the bin is started as a process where the
// test is about the process: its usage, its exit code and output, one command end to end.
describe('keyward CLI', { timeout: 240_000 }, () => {
  it('prints usage with --help', async () => {
    const result = await runCli(['--help'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('client create');
  });

  it('migrates, and is idempotent', async () => {
    expect(json(await runCommand(['migrate', '--json'], env))).toEqual({ applied: [] });
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
    const org = json(await runCommand(['org', 'create', '--name', 'Hashco', '--json'], env));
    const client = json(await runCommand(['client', 'create', '--org', String(org.id), '--name', 'x', '--grant', 'client_credentials', '--json'], env));
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
    const rotated = json(await runCommand(['client', 'rotate-secret', created.clientId, '--grace', '2', '--json'], env));
    server.services.registry.invalidate(created.clientId); // the CLI has a registry of its own
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
    const rotated = json(await runCommand(['client', 'rotate-secret', created.clientId, '--json'], env));
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
  ])('refuses %j with exit %i and one line (checklist A4 for redirect URIs)', async (args, code, message) => {
    const result = await runCommand(args, env);
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

describe('keyward user and member commands', () => {
  it('creates a user in an organization, adds them to another, and refuses a duplicate email', async () => {
    const a = json(await runCommand(['org', 'create', '--name', 'A', '--json'], env));
    const b = json(await runCommand(['org', 'create', '--name', 'B', '--json'], env));
    const email = `cli-${Date.now()}@Example.com`;
    const user = json(await runCommand(['user', 'create', '--email', email, '--org', String(a.id), '--role', 'admin', '--json'], env, 'correct horse'));
    expect(user.id).toMatch(/^usr_/);
    expect(user.email).toBe(email.toLowerCase());
    const member = json(await runCommand(['member', 'add', '--org', String(b.id), '--email', email, '--json'], env));
    expect(member).toEqual({ user_id: user.id, organization_id: b.id, role: 'member' });
    const row = await server.services.database.db.selectFrom('users').selectAll().where('id', '=', String(user.id)).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    const again = await runCommand(['user', 'create', '--email', email], env, 'another one');
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('keyward: a user with this email exists');
  });

  it.each([
    [['user', 'create', '--email', 'not-an-email'], 'long enough', 'email is not a valid address'],
    [['user', 'create', '--email', 'a@b.example'], 'short', 'password must be'],
    [['user', 'create', '--email', 'c@d.example', '--org', 'org_none'], 'long enough', 'no organization'],
    [['member', 'add', '--org', 'org_x', '--email', 'ghost@example.com'], undefined, 'no user with email'],
  ])('refuses %j in one line', async (args, password, message) => {
    const result = await runCommand(args, env, password);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('leaves no user behind when the organization is wrong', async () => {
    await runCommand(['user', 'create', '--email', 'orphan@example.com', '--org', 'org_none'], env, 'long enough');
    const row = await server.services.database.db.selectFrom('users').select('id').where('email', '=', 'orphan@example.com').executeTakeFirst();
    expect(row).toBeUndefined();
  });
});

describe('keyward key commands', () => {
  it('creates, lists, rotates and revokes keys; the running server sees the revocation', async () => {
    const org = json(await runCommand(['org', 'create', '--name', 'Keys Inc', '--json'], env));
    const created = json(
      await runCommand(['key', 'create', '--org', String(org.id), '--name', 'ci', '--scope', 'api-keys:read read:invoices', '--type', 'restricted', '--mode', 'test', '--ip', '127.0.0.1', '--ip', '::1', '--expires-in', '90d', '--json'], env),
    );
    expect(String(created.key)).toMatch(/^rk_test_/);
    expect(created.scopes).toEqual(['api-keys:read', 'invoices:read']);
    expect(created.ip_allowlist).toEqual(['127.0.0.1/32', '::1/128']);
    expect(new Date(String(created.expires_at)).getTime()).toBeGreaterThan(Date.now() + 89 * 86_400_000);
    const listed = json(await runCommand(['key', 'list', '--org', String(org.id), '--json'], env));
    expect((listed.data as Array<{ id: string }>).map((k) => k.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(String(created.key));

    const call = (key: string) => fetch(`${server.url}/v1/api-keys`, { headers: { 'x-api-key': key } });
    expect((await call(String(created.key))).status).toBe(200);
    const rotated = json(await runCommand(['key', 'rotate', String(created.id), '--json'], env));
    expect((await call(String(rotated.key))).status).toBe(200);
    expect((await call(String(created.key))).status).toBe(401);
    const revoked = json(await runCommand(['key', 'revoke', String(rotated.id), '--json'], env));
    expect(revoked.revoked_at).toEqual(expect.any(String));
    // The CLI published the revocation on Redis: the server dropped its cached entry.
    expect((await call(String(rotated.key))).status).toBe(401);
  });

  it.each([
    [['key', 'create', '--org', 'org_x', '--name', 'n', '--expires-in', 'soon'], 2, '--expires-in'],
    [['key', 'create', '--org', 'org_x', '--name', 'n', '--type', 'master'], 1, '--type'],
    [['key', 'revoke', 'key_missing'], 1, 'no API key'],
  ])('refuses %j', async (args, code, message) => {
    const result = await runCommand(args, env);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });
});
