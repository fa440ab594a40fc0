// With TRUST_PROXY=1 the client address is the last X-Forwarded-For hop, and IP allowlists
// apply to it; with TRUST_PROXY=0 (management-api.test.ts) the header is ignored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, operatorKey } from './helpers.js';

let server: TestServer;
let org: string;

beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: '1' } });
  org = await server.createOrg('pro');
});
afterAll(() => server.stop());

describe('behind one trusted proxy', () => {
  it('applies the allowlist to the forwarded client address, one hop deep', async () => {
    const key = await operatorKey(server, org, ['api-keys:read'], { ipAllowlist: ['10.0.0.0/8'] });
    expect((await api(server, 'GET', '/v1/api-keys', key.key, undefined, { 'x-forwarded-for': '10.1.2.3' })).status).toBe(200);
    // The proxy appends the real address: a client-supplied first hop is not believed.
    expect((await api(server, 'GET', '/v1/api-keys', key.key, undefined, { 'x-forwarded-for': '10.1.2.3, 198.51.100.4' })).status).toBe(401);
    expect((await api(server, 'GET', '/v1/api-keys', key.key)).status).toBe(401);
  });
});

describe('rotation is bounded by the rotating credential', () => {
  it('refuses to rotate a key that holds more than the rotating key', async () => {
    const wide = await operatorKey(server, org, ['invoices:*']);
    const manager = await operatorKey(server, org, ['api-keys:*', 'invoices:read']);
    const res = await api(server, 'POST', `/v1/api-keys/${wide.id}/rotate`, manager.key, {});
    expect(res.status).toBe(422);
    expect(String(res.body.error_description)).toContain('invoices:write');
  });
});
