// What Keyward keeps across token requests on oidc-provider's own pipeline (the fast path off):
// the Client built from a registry record (oauth/provider/client-lookup-patch.ts), each plan's
// client-credentials ceilings (oauth/provider/resources.ts), and the extra claims in the shape
// oidc-provider copies fast (oauth/provider/spreadable-claims.ts). Each must be exactly what
// a fresh computation gives, and must follow a change at once.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/oauth-flow.js';
import { runCommand } from '../../src/operator/commands.js';
import { DASHBOARD_CLIENT_ID } from '../../src/grants/dashboard-client.js';
import { spreadableClaims } from '../../src/oauth/provider/spreadable-claims.js';

let server: TestServer;
let org: string;

beforeAll(async () => {
  server = await startTestServer({ env: { CLIENT_CREDENTIALS_FAST_PATH: 'false' } });
  org = await server.createOrg('council');
});
afterAll(() => server.stop());

type Client = { clientId: string; clientSecret: string };
const token = (client: Client, form: Record<string, string> = {}) =>
  postForm(server, '/oauth2/token', { grant_type: 'client_credentials', ...form }, { authorization: basic(client.clientId, client.clientSecret) });
const claimsOf = (accessToken: unknown) => JSON.parse(Buffer.from(String(accessToken).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('the Client built from a registry record', () => {
  it('is built once per record, and oidc-provider asks for it on every token request', async () => {
    const client = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read' });
    const { Client } = server.services.provider();
    const first = await Client.find(client.clientId);
    expect(first?.clientId).toBe(client.clientId);
    expect(await Client.find(client.clientId)).toBe(first);
    const find = vi.spyOn(Client, 'find');
    try {
      expect((await token(client)).status).toBe(200);
      expect(find).toHaveBeenCalledWith(client.clientId);
    } finally {
      find.mockRestore();
    }
    expect(await Client.find(client.clientId)).toBe(first);
  });

  it('is rebuilt when the record changes: a rotated secret works at once, the old one only during its grace period', async () => {
    const client = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read' });
    const { Client } = server.services.provider();
    const before = await Client.find(client.clientId);
    expect((await token(client)).status).toBe(200);

    const graced = await runCommand(server.services, { name: 'client.rotate-secret', clientId: client.clientId, graceSeconds: 60 });
    const rotated = { clientId: client.clientId, clientSecret: String(graced.client_secret) };
    const after = await Client.find(client.clientId);
    expect(after).not.toBe(before);
    expect(after?.clientSecret).not.toBe(before?.clientSecret);
    expect((await token(rotated)).status).toBe(200);
    expect((await token(client)).status).toBe(200);

    const immediate = await runCommand(server.services, { name: 'client.rotate-secret', clientId: client.clientId, graceSeconds: 0 });
    expect((await token({ clientId: client.clientId, clientSecret: String(immediate.client_secret) })).status).toBe(200);
    expect((await token(rotated)).status).toBe(401);
    expect((await token(client)).status).toBe(401);
  });

  it('is gone once the client is deleted', async () => {
    const client = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read' });
    expect((await token(client)).status).toBe(200);
    await runCommand(server.services, { name: 'client.delete', clientId: client.clientId });
    expect(await server.services.provider().Client.find(client.clientId)).toBeUndefined();
    const refused = await token(client);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
  });

  it('leaves the static dashboard client, unknown ids and ids that are no string to oidc-provider', async () => {
    const { Client } = server.services.provider();
    const dashboard = await Client.find(DASHBOARD_CLIENT_ID);
    expect(dashboard?.clientId).toBe(DASHBOARD_CLIENT_ID);
    expect(await Client.find(DASHBOARD_CLIENT_ID)).toBe(dashboard);
    expect(await Client.find('cli_doesnotexist')).toBeUndefined();
    expect(await Client.find('')).toBeUndefined();
    expect(await Client.find(42 as unknown as string)).toBeUndefined();
  });
});

describe('client-credentials ceilings', () => {
  it('give the registered scopes the plan allows when none is asked for, and follow a plan change at once', async () => {
    const planned = await server.createOrg('council');
    const client = await server.createClient({ org: planned, grants: ['client_credentials'], scope: 'invoices:read payouts:read' });
    expect((await token(client)).body.scope).toBe('invoices:read payouts:read');
    expect((await token(client, { scope: 'payouts:read' })).body.scope).toBe('payouts:read');

    await runCommand(server.services, { name: 'org.set-plan', org: planned, plan: 'pro' });
    const narrowed = await token(client);
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe('invoices:read');
    expect(claimsOf(narrowed.body.access_token).scope).toBe('invoices:read');
    const refused = await token(client, { scope: 'payouts:read' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_scope');

    await runCommand(server.services, { name: 'org.set-plan', org: planned, plan: 'council' });
    expect((await token(client)).body.scope).toBe('invoices:read payouts:read');
  });

  it('are kept per client scope set: two clients of one plan get their own', async () => {
    const narrow = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read' });
    const wide = await server.createClient({ org, grants: ['client_credentials'], scope: 'clients:read invoices:read invoices:write' });
    for (let i = 0; i < 2; i++) {
      expect((await token(narrow)).body.scope).toBe('invoices:read');
      expect((await token(wide)).body.scope).toBe('clients:read invoices:read invoices:write');
    }
    expect((await token(narrow, { scope: 'invoices:write' })).body.error).toBe('invalid_scope');
  });

  it('are kept per audience: the management audience gets the management scopes only', async () => {
    const both = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read api-keys:read' });
    const product = await token(both);
    expect(product.body.scope).toBe('invoices:read');
    const management = await token(both, { resource: server.services.config.managementAudience });
    expect(management.status).toBe(200);
    expect(management.body.scope).toBe('api-keys:read');
    expect(claimsOf(management.body.access_token).aud).toBe(server.services.config.managementAudience);
  });
});

describe('extra token claims', () => {
  it('reach the token as the same claims, in the same order, and nothing else', async () => {
    const client = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read' });
    const claims = claimsOf((await token(client)).body.access_token);
    expect(Object.keys(claims)).toEqual(['organizationId', 'jti', 'sub', 'iat', 'exp', 'scope', 'client_id', 'iss', 'aud']);
    expect(claims.organizationId).toBe(org);
    expect(claims).not.toHaveProperty('constructor');
  });

  it('keep their own enumerable properties only, in a shape oidc-provider accepts as a plain object', () => {
    const claims = { organizationId: 'org_1', tier: 'gold' };
    const copy = spreadableClaims(claims);
    // oidc-provider's test of a plain object (lib/helpers/_/is_plain_object.js).
    expect(copy.constructor).toBe(Object);
    expect(Object.keys(copy)).toEqual(['organizationId', 'tier']);
    expect({ ...copy, jti: 'j' }).toEqual({ organizationId: 'org_1', tier: 'gold', jti: 'j' });
    expect(JSON.stringify(copy)).toBe(JSON.stringify(claims));
    expect(Object.getPrototypeOf(copy)).toBeNull();
  });
});
