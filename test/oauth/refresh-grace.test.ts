// REFRESH_TOKEN_REUSE_INTERVAL: a just-rotated refresh token may be presented again inside the
// window (concurrent refreshes from one app) without revoking; after it, reuse revokes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, codeExchange, postForm } from '../helpers/oauth-flow.js';
import type { TestUser } from '../helpers/oauth-flow.js';

const REDIRECT = 'https://app.example/cb';
let server: TestServer;
let org: string;
let user: TestUser;
let app: { clientId: string; clientSecret: string };

beforeAll(async () => {
  server = await startTestServer({ env: { REFRESH_TOKEN_REUSE_INTERVAL: '2' } });
  org = await server.createOrg();
  user = await server.createUser([org]);
  app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [REDIRECT] });
});
afterAll(() => server.stop());

const refresh = (rt: string) =>
  postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: rt }, { authorization: basic(app.clientId, app.clientSecret) });

describe('refresh-token reuse grace window', () => {
  it('accepts a second presentation inside the window without revoking the grant (checklist C25, with a grace window)', async () => {
    const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', organizationId: org, user });
    const rt1 = String(token.body.refresh_token);
    const first = await refresh(rt1);
    const second = await refresh(rt1);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    // Both successors belong to the same live grant.
    expect((await refresh(String(first.body.refresh_token))).status).toBe(200);
    expect((await refresh(String(second.body.refresh_token))).status).toBe(200);
  });

  it('revokes the grant when the rotated token comes back after the window (checklist C25)', async () => {
    const { token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', organizationId: org, user });
    const rt1 = String(token.body.refresh_token);
    const next = await refresh(rt1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await refresh(rt1)).body.error).toBe('invalid_grant');
    expect((await refresh(String(next.body.refresh_token))).body.error).toBe('invalid_grant');
  });
});
