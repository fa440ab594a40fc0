// GET and POST /v1/organization: the caller's own organization, behind organizations:read and
// organizations:write (the two scopes discovery advertises for it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, operatorKey } from './helpers.js';
import { expectError } from '../policy/flows.js';

let server: TestServer;
let org: string;
let other: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg('pro');
  other = await server.createOrg('council');
});
afterAll(() => server.stop());

describe('/v1/organization', () => {
  it('reads the caller\'s organization, and renames it with organizations:write only', async () => {
    const reader = await operatorKey(server, org, ['organizations:read']);
    const writer = await operatorKey(server, org, ['organizations:*']);
    const read = await api(server, 'GET', '/v1/organization', reader.key);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: org, object: 'organization', plan: 'pro' });

    expectError(await api(server, 'POST', '/v1/organization', reader.key, { name: 'Renamed' }), 403, 'insufficient_scope');
    const renamed = await api(server, 'POST', '/v1/organization', writer.key, { name: '  Acme Renamed  ' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: org, name: 'Acme Renamed', plan: 'pro' });
    expect((await api(server, 'GET', '/v1/organization', reader.key)).body.name).toBe('Acme Renamed');
    const events = await api(server, 'GET', '/v1/audit-events?action=organization.', writer.key);
    expect(events.body.data).toEqual([expect.objectContaining({ action: 'organization.renamed', target: org, data: expect.objectContaining({ to: 'Acme Renamed' }) })]);

    // Only the caller's own: another organization's is untouched.
    const theirs = await operatorKey(server, other, ['organizations:read']);
    expect((await api(server, 'GET', '/v1/organization', theirs.key)).body).toMatchObject({ id: other, plan: 'council' });
  });

  it.each([
    [{ name: '' }],
    [{ name: '   ' }],
    [{ name: 'x'.repeat(201) }],
    [{ name: 'nul\u0000byte' }],
    [{ name: 'ok', plan: 'council' }],
    [{}],
  ])('refuses %j with 400 invalid_request and changes nothing', async (body) => {
    const writer = await operatorKey(server, org, ['organizations:*']);
    const before = (await api(server, 'GET', '/v1/organization', writer.key)).body.name;
    expectError(await api(server, 'POST', '/v1/organization', writer.key, body), 400, 'invalid_request');
    expect((await api(server, 'GET', '/v1/organization', writer.key)).body).toMatchObject({ name: before, plan: 'pro' });
  });

  it('is in the OpenAPI document with its scopes', async () => {
    const doc = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { security?: unknown }>> };
    expect(Object.keys(doc.paths['/v1/organization']!).sort()).toEqual(['get', 'post']);
    expect(JSON.stringify(doc.paths['/v1/organization'])).toContain('organizations:write');
  });
});
