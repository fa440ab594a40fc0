// The /v1 management API for API keys, over real HTTP with real Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, operatorKey } from './helpers.js';
import { changeLastCharacter } from '../helpers/tamper.js';
import { basic, postForm } from '../helpers/oauth-flow.js';

let server: TestServer;
let orgA: string;
let orgB: string;
let adminA: { id: string; key: string };
let adminB: { id: string; key: string };
const ADMIN_SCOPES = ['api-keys:*', 'invoices:*', 'clients:read', 'oauth-clients:*', 'members:*'];

beforeAll(async () => {
  server = await startTestServer();
  orgA = await server.createOrg('pro');
  orgB = await server.createOrg('council');
  adminA = await operatorKey(server, orgA, ADMIN_SCOPES);
  adminB = await operatorKey(server, orgB, ADMIN_SCOPES);
});
afterAll(() => server.stop());

const create = (body: Record<string, unknown>, key = adminA.key) => api(server, 'POST', '/v1/api-keys', key, body);

describe('creating keys', () => {
  it('returns the key once, with the documented object, and never again (checklist F52)', async () => {
    const res = await create({ name: 'Billing', type: 'restricted', scopes: ['invoices:read'] });
    expect(res.status).toBe(201);
    const key = String(res.body.key);
    expect(key).toMatch(/^rk_live_[0-9A-Za-z]{49}$/);
    expect(res.body).toMatchObject({ object: 'api_key', name: 'Billing', type: 'restricted', scopes: ['invoices:read'], organization_id: orgA, livemode: true, revoked_at: null, expires_at: null, last4: key.slice(-4), key_prefix: key.slice(0, 12) });
    const one = await api(server, 'GET', `/v1/api-keys/${String(res.body.id)}`, adminA.key);
    const all = await api(server, 'GET', '/v1/api-keys?limit=100', adminA.key);
    for (const text of [one.text, all.text]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain('key_hash');
      expect(text).not.toContain('"key"');
    }
    const row = await server.services.database.db.selectFrom('api_keys').selectAll().where('id', '=', String(res.body.id)).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(key);
    expect(server.logs.join('')).not.toContain(key);
  });

  it('accepts the three spellings and wildcards, and stores them normalised', async () => {
    const res = await create({ name: 'Spellings', scopes: ['invoices:read', 'read:clients', 'invoices.write', 'invoices:read'] });
    expect(res.body.scopes).toEqual(['invoices:read', 'clients:read', 'invoices:write']);
    const wild = await create({ name: 'Wild', scopes: ['invoices.*'] });
    expect(wild.body.scopes).toEqual(['invoices:*']);
  });

  it('gives a secret key without scopes what the plan allows and its creator holds', async () => {
    const res = await create({ name: 'Defaults' });
    expect(res.status).toBe(201);
    expect(new Set(res.body.scopes as string[])).toEqual(new Set(['invoices:read', 'invoices:write', 'clients:read']));
  });

  it('requires scopes for a restricted key, and refuses publishable keys while PUBLIC_SCOPES is empty, saying why', async () => {
    const restricted = await create({ name: 'R', type: 'restricted' });
    expect(restricted.status).toBe(400);
    expect(restricted.body.param).toBe('scopes');
    const off = await create({ name: 'P', type: 'publishable', mode: 'test' });
    expect(off.status).toBe(400);
    expect(off.body).toMatchObject({ error: 'invalid_request', param: 'type' });
    expect(off.body.error_description).toContain('no PUBLIC_SCOPES');
  });

  it('gives a publishable key the public scopes, refuses any other, and keeps it off the management API', async () => {
    const publicServer = await startTestServer({ env: { PUBLIC_SCOPES: 'invoices:read' } });
    try {
      const org = await publicServer.createOrg('pro');
      const admin = await operatorKey(publicServer, org, ['api-keys:*', 'invoices:*']);
      const beyond = await api(publicServer, 'POST', '/v1/api-keys', admin.key, { name: 'P', type: 'publishable', scopes: ['invoices:write'] });
      expect(beyond.status).toBe(422);
      expect(beyond.body.error_description).toBe('invoices:write cannot be held by a publishable key (PUBLIC_SCOPES: invoices:read)');
      const bare = await api(publicServer, 'POST', '/v1/api-keys', admin.key, { name: 'P', type: 'publishable', mode: 'test' });
      expect(bare.status).toBe(201);
      expect(String(bare.body.key)).toMatch(/^pk_test_/);
      expect(bare.body.scopes).toEqual(['invoices:read']);
      const refused = await api(publicServer, 'GET', '/v1/api-keys', String(bare.body.key));
      expect(refused.status).toBe(403);
    } finally {
      await publicServer.stop();
    }
  });

  it("refuses a scope beyond the organization's plan with 422 naming it", async () => {
    const res = await create({ name: 'Payouts', scopes: ['payouts:read'] });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: 'scope_not_allowed', param: 'scopes' });
    expect(String(res.body.error_description)).toContain('payouts:read');
  });

  it('refuses a malformed scope with 400', async () => {
    const res = await create({ name: 'Typo', scopes: ['invoice:read'] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_scope', param: 'scopes' });
  });
});

describe('the creator bounds what a key can hand out (checklist F51)', () => {
  it('refuses key management to a key without api-keys:write, naming the scope', async () => {
    const reader = await operatorKey(server, orgA, ['invoices:read', 'api-keys:read']);
    const res = await create({ name: 'Nope', scopes: ['invoices:read'] }, reader.key);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'insufficient_scope', scope: 'api-keys:write' });
    expect(res.headers.get('www-authenticate')).toContain('scope="api-keys:write"');
    const rotate = await api(server, 'POST', `/v1/api-keys/${reader.id}/rotate`, reader.key, {});
    expect(rotate.status).toBe(403);
  });

  it('refuses a new key holding a scope its creator lacks, and creates nothing', async () => {
    const manager = await operatorKey(server, orgA, ['api-keys:write', 'api-keys:read', 'invoices:read']);
    // Counted within orgA: other test files share this database and create keys meanwhile.
    const keysOfOrgA = async () =>
      (await server.services.database.db.selectFrom('api_keys').select((eb) => eb.fn.countAll().as('n')).where('organization_id', '=', orgA).executeTakeFirstOrThrow()).n;
    const before = await keysOfOrgA();
    const res = await create({ name: 'Escalate', scopes: ['invoices:write'] }, manager.key);
    expect(res.status).toBe(422);
    expect(String(res.body.error_description)).toContain('invoices:write');
    const wildcard = await create({ name: 'Escalate', scopes: ['invoices:*'] }, manager.key);
    expect(wildcard.status).toBe(422);
    expect(await keysOfOrgA()).toBe(before);
    expect((await create({ name: 'Fine', scopes: ['invoices:read'] }, manager.key)).status).toBe(201);
  });
});

describe('organizations are sealed off from each other', () => {
  it("answers 404 for another organization's key on every route", async () => {
    const theirs = await operatorKey(server, orgB, ['invoices:read']);
    for (const [method, path] of [
      ['GET', `/v1/api-keys/${theirs.id}`],
      ['POST', `/v1/api-keys/${theirs.id}/revoke`],
      ['POST', `/v1/api-keys/${theirs.id}/rotate`],
    ] as const) {
      const res = await api(server, method, path, adminA.key, method === 'POST' ? {} : undefined);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('not_found');
    }
    const list = await api(server, 'GET', '/v1/api-keys?limit=100', adminA.key);
    expect((list.body.data as Array<{ organization_id: string }>).every((k) => k.organization_id === orgA)).toBe(true);
    expect((await api(server, 'GET', `/v1/api-keys/${theirs.id}`, adminB.key)).status).toBe(200);
  });
});

describe('listing', () => {
  it('pages newest first with limit and starting_after, stable while keys are added', async () => {
    const org = await server.createOrg('pro');
    const admin = await operatorKey(server, org, ['api-keys:*', 'invoices:read']);
    for (let i = 0; i < 4; i++) await create({ name: `k${i}`, scopes: ['invoices:read'] }, admin.key);
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const res = await api(server, 'GET', `/v1/api-keys?limit=2${after ? `&starting_after=${after}` : ''}`, admin.key);
      expect(res.body.object).toBe('list');
      const data = res.body.data as Array<{ id: string; name: string }>;
      seen.push(...data.map((k) => k.name));
      pages++;
      // A key created while paging is newer than every cursor: it neither shows up later nor
      // pushes an older key off the pages.
      if (pages === 1) await create({ name: 'late', scopes: ['invoices:read'] }, admin.key);
      if (!res.body.has_more) break;
      after = data.at(-1)!.id;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['k3', 'k2', 'k1', 'k0', 'fixture']);
    expect((await api(server, 'GET', '/v1/api-keys?starting_after=key_unknown', admin.key)).body).toMatchObject({ data: [], has_more: false });
    expect((await api(server, 'GET', '/v1/api-keys?limit=0', admin.key)).status).toBe(400);
    expect((await api(server, 'GET', '/v1/api-keys?limit=1000', admin.key)).status).toBe(400);
  });
});

describe('revoke and rotate', () => {
  it('revokes idempotently, and the key stops at once (checklist F49)', async () => {
    const res = await create({ name: 'Doomed', scopes: ['api-keys:read'] });
    const key = String(res.body.key);
    expect((await api(server, 'GET', '/v1/api-keys', key)).status).toBe(200);
    const first = await api(server, 'POST', `/v1/api-keys/${String(res.body.id)}/revoke`, adminA.key, {});
    const second = await api(server, 'POST', `/v1/api-keys/${String(res.body.id)}/revoke`, adminA.key);
    expect(first.status).toBe(200);
    expect(second.body.revoked_at).toBe(first.body.revoked_at);
    const after = await api(server, 'GET', '/v1/api-keys', key);
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('invalid_api_key');
  });

  it('rotates into a new key with the same settings and kills the old one now', async () => {
    const res = await create({ name: 'Rotating', type: 'restricted', mode: 'test', scopes: ['api-keys:read'], ip_allowlist: ['127.0.0.1', '::1'] });
    const rotated = await api(server, 'POST', `/v1/api-keys/${String(res.body.id)}/rotate`, adminA.key, {});
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ name: 'Rotating', type: 'restricted', livemode: false, scopes: ['api-keys:read'], ip_allowlist: ['127.0.0.1/32', '::1/128'] });
    expect(rotated.body.id).not.toBe(res.body.id);
    expect((await api(server, 'GET', '/v1/api-keys', String(res.body.key))).status).toBe(401);
    expect((await api(server, 'GET', '/v1/api-keys', String(rotated.body.key))).status).toBe(200);
  });

  it('keeps the old key working through a grace period, then stops it', async () => {
    const resourceServer = await server.createClient({ org: orgA, grants: ['client_credentials'], scope: 'invoices:read', introspect: true });
    const introspect = (token: string) =>
      postForm(server, '/oauth2/introspect', { token }, { authorization: basic(resourceServer.clientId, resourceServer.clientSecret) });
    const res = await create({ name: 'Graceful', scopes: ['invoices:read'] });
    await api(server, 'POST', `/v1/api-keys/${String(res.body.id)}/rotate`, adminA.key, { grace_seconds: 2 });
    expect((await introspect(String(res.body.key))).body).toMatchObject({ active: true, scope: 'invoices:read' });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    server.services.keyVerifier.invalidate(server.services.keyVerifier.hash(String(res.body.key)));
    expect((await introspect(String(res.body.key))).body).toEqual({ active: false });
    expect((await api(server, 'GET', '/v1/api-keys', String(res.body.key))).status).toBe(401);
  });
});

describe('verification', () => {
  it('answers unknown, malformed, revoked and expired keys identically (checklist F47)', async () => {
    const revoked = await create({ name: 'R', scopes: ['api-keys:read'] });
    await api(server, 'POST', `/v1/api-keys/${String(revoked.body.id)}/revoke`, adminA.key, {});
    const expiring = await create({ name: 'E', scopes: ['api-keys:read'], expires_at: new Date(Date.now() + 1500).toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const good = String(revoked.body.key);
    const unknown = `${good.slice(0, 8)}${'A'.repeat(49)}`;
    const badCheck = changeLastCharacter(good);
    const answers = await Promise.all(
      [good, String(expiring.body.key), unknown, badCheck, 'sk_live_short', 'garbage'].map((k) => api(server, 'GET', '/v1/api-keys', k)),
    );
    for (const a of answers) {
      expect(a.status).toBe(401);
      expect(a.body).toEqual({ error: 'invalid_api_key', error_description: 'the API key is not valid' });
      expect(a.headers.get('www-authenticate')).toBe('Bearer realm="keyward", error="invalid_api_key"');
    }
    // The reasons go to the owner's audit log only.
    const events = await server.services.database.db.selectFrom('audit_events').selectAll().where('target', '=', String(revoked.body.id)).execute();
    expect(events.map((e) => e.action)).toContain('api_key.verification_failed');
  });

  it('honours expiry at the boundary (checklist F50)', async () => {
    const res = await create({ name: 'Short', scopes: ['api-keys:read'], expires_at: new Date(Date.now() + 2000).toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await api(server, 'GET', '/v1/api-keys', String(res.body.key))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await api(server, 'GET', '/v1/api-keys', String(res.body.key))).status).toBe(401);
  });

  it('accepts the key as x-api-key or Authorization: Bearer, and refuses it in the URL (checklist F52)', async () => {
    const res = await create({ name: 'Headers', scopes: ['api-keys:read'] });
    const key = String(res.body.key);
    expect((await api(server, 'GET', '/v1/api-keys', undefined, undefined, { authorization: `Bearer ${key}` })).status).toBe(200);
    const inUrl = await api(server, 'GET', `/v1/api-keys?api_key=${key}`);
    expect(inUrl.status).toBe(400);
    expect(inUrl.body.param).toBe('api_key');
    const none = await api(server, 'GET', '/v1/api-keys');
    expect(none.status).toBe(401);
    expect(none.body.error).toBe('missing_credentials');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="keyward"');
  });

  it('applies the IP allowlist to the socket address, ignoring a spoofed X-Forwarded-For', async () => {
    const outside = await create({ name: 'Office', scopes: ['api-keys:read'], ip_allowlist: ['10.0.0.0/8'] });
    const refused = await api(server, 'GET', '/v1/api-keys', String(outside.body.key), undefined, { 'x-forwarded-for': '10.1.2.3' });
    // The same answer as any refused key (and as keyward/verify's); the reason is audited.
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_api_key');
    const audited = await server.services.database.db.selectFrom('audit_events').select('data').where('target', '=', String(outside.body.id)).where('action', '=', 'api_key.verification_failed').execute();
    expect(audited.map((e) => e.data)).toContainEqual(expect.objectContaining({ reason: 'ip_not_allowed' }));
    const inside = await create({ name: 'Local', scopes: ['api-keys:read'], ip_allowlist: ['127.0.0.0/8', '::1/128'] });
    expect((await api(server, 'GET', '/v1/api-keys', String(inside.body.key))).status).toBe(200);
    expect((await create({ name: 'Bad', ip_allowlist: ['10.0.0.0/33'] })).body.param).toBe('ip_allowlist');
  });

  it('writes last_used_at in batches, not per request', async () => {
    const res = await create({ name: 'Busy', scopes: ['api-keys:read'] });
    const { db } = server.services.database;
    const read = () => db.selectFrom('api_keys').select('last_used_at').where('id', '=', String(res.body.id)).executeTakeFirstOrThrow();
    // The recorder also writes every 10 s on its own, which a slow machine can hit mid-test: a
    // write per request would show on every attempt, a batch on one at most.
    let unwritten = false;
    for (let attempt = 0; attempt < 3 && !unwritten; attempt++) {
      await server.services.flushKeyUsage();
      await db.updateTable('api_keys').set({ last_used_at: null }).where('id', '=', String(res.body.id)).execute();
      for (let i = 0; i < 5; i++) await api(server, 'GET', '/v1/api-keys?limit=1', String(res.body.key));
      unwritten = (await read()).last_used_at === null;
    }
    expect(unwritten).toBe(true);
    await server.services.flushKeyUsage();
    expect((await read()).last_used_at).toBeInstanceOf(Date);
  });
});

describe('request bodies', () => {
  it.each([
    ['invalid JSON', '{"name":', 400, undefined],
    ['an unknown field', { name: 'x', admin: true }, 400, 'admin'],
    ['a wrong type', { name: 42 }, 400, 'name'],
    ['a too long name', { name: 'n'.repeat(101) }, 400, 'name'],
    ['a bad expires_at', { name: 'x', expires_at: 'tomorrow' }, 400, 'expires_at'],
    ['a past expires_at', { name: 'x', expires_at: '2001-01-01T00:00:00Z' }, 400, 'expires_at'],
    ['too many scopes', { name: 'x', scopes: Array.from({ length: 101 }, () => 'invoices:read') }, 400, 'scopes'],
  ])('refuses %s', async (_label, body, status, param) => {
    const res = await create(body as Record<string, unknown>);
    expect(res.status).toBe(status);
    expect(res.body.error).toEqual(expect.any(String));
    if (param) expect(res.body.param).toBe(param);
  });

  it('refuses a non-JSON content type with 415 and an oversized body with 413', async () => {
    const text = await api(server, 'POST', '/v1/api-keys', adminA.key, 'name=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const big = await api(server, 'POST', '/v1/api-keys', adminA.key, { name: 'x', pad: 'p'.repeat(20_000) });
    expect(big.status).toBe(413);
  });

  it('answers unknown /v1 paths with a JSON 404', async () => {
    const res = await api(server, 'GET', '/v1/nope', adminA.key);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
  });
});

describe('audit', () => {
  it('records create, rotate and revoke in the audit log', async () => {
    const res = await create({ name: 'Audited', scopes: ['invoices:read'] });
    const rotated = await api(server, 'POST', `/v1/api-keys/${String(res.body.id)}/rotate`, adminA.key, {});
    await api(server, 'POST', `/v1/api-keys/${String(rotated.body.id)}/revoke`, adminA.key, {});
    const events = await server.services.database.db
      .selectFrom('audit_events')
      .select(['action', 'actor'])
      .where('organization_id', '=', orgA)
      .where('target', 'in', [String(res.body.id), String(rotated.body.id)])
      .execute();
    expect(events.map((e) => e.action).sort()).toEqual(['api_key.created', 'api_key.revoked', 'api_key.rotated']);
    expect(events.every((e) => e.actor === adminA.id)).toBe(true);
  });
});
