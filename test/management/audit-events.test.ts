// GET /v1/audit-events: an organization's own events, newest first, filtered and paginated,
// behind organizations:read; documented in the OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, operatorKey } from './helpers.js';
import { expectError } from '../policy/flows.js';

let server: TestServer;
let orgA: string;
let auditor: { id: string; key: string };
let keysOnly: { id: string; key: string };
let otherOrgAuditor: { id: string; key: string };

beforeAll(async () => {
  server = await startTestServer();
  orgA = await server.createOrg('pro');
  const orgB = await server.createOrg('pro');
  auditor = await operatorKey(server, orgA, ['api-keys:*', 'invoices:*', 'organizations:read']);
  keysOnly = await operatorKey(server, orgA, ['api-keys:*']);
  otherOrgAuditor = await operatorKey(server, orgB, ['api-keys:*', 'organizations:read']);
});
afterAll(() => server.stop());

describe('GET /v1/audit-events', () => {
  it("lists the organization's events newest first, with a refused key's reason", async () => {
    const created = await api(server, 'POST', '/v1/api-keys', auditor.key, { name: 'Audited', scopes: ['invoices:read'] });
    await api(server, 'POST', `/v1/api-keys/${String(created.body.id)}/revoke`, auditor.key, {});
    expect((await api(server, 'GET', '/v1/api-keys', String(created.body.key))).status).toBe(401);
    const events = await api(server, 'GET', '/v1/audit-events?limit=100', auditor.key);
    expect(events.status).toBe(200);
    const data = events.body.data as Array<{ action: string; target: string; data: Record<string, unknown>; object: string; organization_id: string }>;
    const mine = data.filter((e) => e.target === created.body.id);
    expect(mine.map((e) => e.action)).toEqual(['api_key.verification_failed', 'api_key.revoked', 'api_key.created']);
    expect(mine[0]!.data).toMatchObject({ reason: 'revoked' });
    expect(data.every((e) => e.object === 'audit_event' && e.organization_id === orgA)).toBe(true);
    // Another organization sees none of it.
    const other = await api(server, 'GET', '/v1/audit-events?limit=100', otherOrgAuditor.key);
    expect(other.text).not.toContain(String(created.body.id));
  });

  it('filters by action or family and pages with starting_after', async () => {
    for (const name of ['p1', 'p2', 'p3']) await api(server, 'POST', '/v1/api-keys', auditor.key, { name, scopes: ['invoices:read'] });
    const first = await api(server, 'GET', '/v1/audit-events?action=api_key.created&limit=2', auditor.key);
    expect(first.body.has_more).toBe(true);
    const firstIds = (first.body.data as Array<{ id: string; action: string }>).map((e) => e.id);
    expect((first.body.data as Array<{ action: string }>).every((e) => e.action === 'api_key.created')).toBe(true);
    const second = await api(server, 'GET', `/v1/audit-events?action=api_key.created&limit=2&starting_after=${firstIds[1]}`, auditor.key);
    const secondIds = (second.body.data as Array<{ id: string }>).map((e) => e.id);
    expect(secondIds.length).toBeGreaterThan(0);
    expect(secondIds.some((id) => firstIds.includes(id))).toBe(false);
    const family = await api(server, 'GET', '/v1/audit-events?action=api_key.&limit=100', auditor.key);
    expect((family.body.data as Array<{ action: string }>).every((e) => e.action.startsWith('api_key.'))).toBe(true);
    expect((await api(server, 'GET', '/v1/audit-events?action=member.', auditor.key)).body.data).toEqual([]);
  });

  it('refuses a bad filter, a foreign cursor, and a credential without organizations:read', async () => {
    expectError(await api(server, 'GET', '/v1/audit-events?action=%25', auditor.key), 400, 'invalid_request');
    const foreign = await api(server, 'GET', '/v1/audit-events?limit=1', otherOrgAuditor.key);
    const cursor = (foreign.body.data as Array<{ id: string }>)[0]?.id ?? 'evt_nope';
    expect((await api(server, 'GET', `/v1/audit-events?starting_after=${cursor}`, auditor.key)).body).toMatchObject({ data: [], has_more: false });
    const refused = await api(server, 'GET', '/v1/audit-events', keysOnly.key);
    expectError(refused, 403, 'insufficient_scope');
  });

  it('is in the OpenAPI document with its filter', async () => {
    const doc = await api(server, 'GET', '/v1/openapi.json');
    const op = (doc.body.paths as Record<string, { get: { parameters: Array<{ name: string }>; 'x-required-scope': string } }>)['/v1/audit-events']!.get;
    expect(op['x-required-scope']).toBe('organizations:read');
    expect(op.parameters.map((p) => p.name)).toEqual(['limit', 'starting_after', 'action']);
  });
});
