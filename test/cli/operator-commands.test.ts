// The operator's everyday commands (issue 17): lists as tables, deleting a client, removing a
// member, passwords read from standard input, and unlocking a sign-in, against a running server.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { json, runCli, runCommand } from '../helpers/process.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../helpers/server.js';
import { authorizeUrl, basic, BrowserSession, csrfOf, formAction, pkcePair, postForm } from '../helpers/oauth-flow.js';

let env: Record<string, string>;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  env = { DATABASE_URL: inject('databaseUrl'), REDIS_URL: inject('redisUrl'), REDIS_KEY_PREFIX: server.services.config.redisKeyPrefix, KEYWARD_SECRET: TEST_SECRET };
});
afterAll(() => server.stop());

const PASSWORD = 'a long passphrase';

async function signIn(clientId: string, email: string, password: string): Promise<number> {
  const session = new BrowserSession(server);
  const start = await session.get(authorizeUrl(server, { clientId, redirectUri: 'https://app.example/cb', scope: 'invoices:read', challenge: pkcePair().challenge }));
  const html = await (await session.get(start.headers.get('location')!)).text();
  return (await session.post(formAction(html, 'login')!, { csrf: csrfOf(html), email, password })).status;
}

describe('keyward lists', { timeout: 120_000 }, () => {
  it('prints organizations, clients and members as tables, newest first', async () => {
    const org = json(await runCommand(['org', 'create', '--name', 'Tabled Inc', '--json'], env));
    const orgs = await runCommand(['org', 'list'], env);
    expect(orgs.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+PLAN\s+CREATED$/);
    expect(orgs.stdout.split('\n')[1]).toMatch(new RegExp(`^${String(org.id)}\\s+Tabled Inc\\s+pro\\s+\\d{4}-`));

    await runCommand(['client', 'create', '--org', String(org.id), '--name', 'older', '--grant', 'client_credentials', '--json'], env);
    await runCommand(['client', 'create', '--org', String(org.id), '--name', 'newer', '--grant', 'client_credentials', '--scope', 'invoices:read', '--json'], env);
    const clients = (await runCommand(['client', 'list', '--org', String(org.id)], env)).stdout.split('\n');
    expect(clients[0]).toMatch(/^CLIENT_ID\s+NAME\s+GRANT_TYPES\s+SCOPE\s+INTROSPECTS\s+CREATED$/);
    expect(clients[1]).toMatch(/^cli_\S+\s+newer\s+client_credentials\s+invoices:read\s+false\s+/);
    expect(clients[2]).toContain('older');
    expect(clients).not.toContain('[object Object]');

    const empty = await runCommand(['user', 'list', '--org', String(org.id)], env);
    expect(empty.stdout).toBe('(none)\n');
    const missing = await runCommand(['client', 'list', '--org', 'org_missing'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('keyward: no organization org_missing');
  });

  it('says after the output that a new key is shown once', async () => {
    const org = json(await runCommand(['org', 'create', '--name', 'Once', '--json'], env));
    const human = await runCommand(['key', 'create', '--org', String(org.id), '--name', 'ci', '--scope', 'invoices:read'], env);
    expect(human.stdout).toMatch(/^key: sk_live_/m);
    expect(human.stdout.trim().split('\n').at(-1)).toBe('the key is shown once: store it now; Keyward keeps only a hash and cannot show it again');
    const machine = await runCommand(['key', 'create', '--org', String(org.id), '--name', 'ci', '--scope', 'invoices:read', '--json'], env);
    expect(() => JSON.parse(machine.stdout)).not.toThrow();
  });
});

describe('keyward client delete and member remove', { timeout: 120_000 }, () => {
  it('deletes a client: the running server refuses its secret at once', async () => {
    const org = await server.createOrg('pro');
    const client = json(await runCommand(['client', 'create', '--org', org, '--name', 'doomed', '--grant', 'client_credentials', '--json'], env));
    const token = () => postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(String(client.client_id), String(client.client_secret)) });
    expect((await token()).status).toBe(200);
    expect(json(await runCommand(['client', 'delete', String(client.client_id), '--json'], env))).toEqual({ client_id: client.client_id, deleted: true });
    // Announced over Redis: the server's cached record is gone before the next request.
    expect((await token()).status).toBe(401);
    const again = await runCommand(['client', 'delete', String(client.client_id)], env);
    expect(again.stderr.trim()).toBe(`keyward: no client ${String(client.client_id)}`);
  });

  it('removes a member by email, leaving their other organizations', async () => {
    const [a, b] = [await server.createOrg('pro'), await server.createOrg('pro')];
    const user = await server.createUser([{ org: a, role: 'admin' }, { org: b, role: 'member' }]);
    const removed = json(await runCommand(['member', 'remove', '--org', a, '--email', user.email, '--json'], env));
    expect(removed).toMatchObject({ organization_id: a, user_id: user.id, removed: true });
    expect((json(await runCommand(['user', 'list', '--org', a, '--json'], env)).data as unknown[])).toEqual([]);
    expect(json(await runCommand(['user', 'list', '--org', b, '--json'], env)).data).toEqual([{ id: user.id, email: user.email, role: 'member', member_since: expect.any(String) }]);
    const events = await server.services.database.db.selectFrom('audit_events').select('action').where('organization_id', '=', a).where('target', '=', user.id).execute();
    expect(events.map((e) => e.action)).toContain('member.removed');
  });
});

describe('passwords and sign-in lockouts', { timeout: 120_000 }, () => {
  it('reads a new user\'s password from standard input, and warns when it is an argument', async () => {
    const org = await server.createOrg('pro');
    const piped = await runCli(['user', 'create', '--email', `piped-${Date.now()}@example.com`, '--org', org, '--json'], env, `${PASSWORD}\n`);
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
    const row = await server.services.database.db.selectFrom('users').select('password_hash').where('id', '=', String(JSON.parse(piped.stdout).id)).executeTakeFirstOrThrow();
    const { verifyPassword } = await import('../../src/users/password.js');
    expect(await verifyPassword(row.password_hash, PASSWORD)).toBe(true);

    const argument = await runCommand(['user', 'create', '--email', `argued-${Date.now()}@example.com`, '--password', PASSWORD, '--json'], env);
    expect(argument.code).toBe(0);
    expect(argument.stderr.trim()).toBe('keyward: warning: --password leaves the password in `ps` and the shell history; pipe it on standard input instead');
    const short = await runCommand(['user', 'create', '--email', `short-${Date.now()}@example.com`], env, 'short');
    expect(short.stderr.trim()).toBe('keyward: password must be 8 to 1024 characters');
  });

  it('unlocks a locked-out sign-in, and a new password works at once', async () => {
    const org = await server.createOrg('pro');
    const { clientId } = await server.createClient({ org, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'] });
    const user = await server.createUser([org]);
    for (let i = 0; i < 5; i++) expect(await signIn(clientId, user.email, 'wrong password')).toBe(401);
    expect(await signIn(clientId, user.email, user.password)).toBe(429);

    expect(json(await runCommand(['user', 'unlock', '--email', user.email, '--json'], env))).toEqual({ id: user.id, email: user.email, sign_in: 'unlocked' });
    expect(await signIn(clientId, user.email, user.password)).toBe(303);

    for (let i = 0; i < 5; i++) expect(await signIn(clientId, user.email, 'wrong password')).toBe(401);
    expect(json(await runCommand(['user', 'set-password', '--email', user.email, '--json'], env, PASSWORD))).toEqual({ id: user.id, email: user.email, password: 'changed' });
    expect(await signIn(clientId, user.email, user.password)).toBe(401);
    expect(await signIn(clientId, user.email, PASSWORD)).toBe(303);
    expect((await runCommand(['user', 'unlock', '--email', 'ghost@example.com'], env)).stderr.trim()).toBe('keyward: no user with email ghost@example.com');
  });
});

describe('keyward --help', () => {
  it('lists every command, and explains one', async () => {
    const all = await runCommand(['--help'], env);
    for (const name of ['org list', 'client list', 'client delete', 'user list', 'member remove', 'user set-password', 'user unlock']) expect(all.stdout).toContain(`  ${name}`);
    const one = await runCommand(['user', 'set-password', '--help'], env);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^keyward user set-password --email E\n/);
    expect(one.stdout).toContain('read from standard input');
    const wrong = await runCommand(['key', 'revoke'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim()).toBe('keyward: key revoke takes 1 positional argument; see keyward key revoke --help');
  });
});
