// The client-credentials fast path (src/token/fast-path.ts) answers plain
// valid requests itself and hands everything else to oidc-provider. Its tokens must be the
// tokens oidc-provider would have issued: same header, same claims in the same order, same
// answer and headers. A front server records which side answered each request.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic } from '../helpers/oauth-flow.js';
import { runCommand } from '../../src/operator/commands.js';

let server: TestServer;
let front: Server;
let frontUrl: string;
let answeredBy: Array<'fast path' | 'oidc-provider'>;
let client: { clientId: string; clientSecret: string };
let postClient: { clientId: string; clientSecret: string };
/** Registered on the council plan with payouts:read, then its organization moved to pro. */
let offPlan: { clientId: string; clientSecret: string };
let org: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg();
  client = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read invoices:write' });
  postClient = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read', authMethod: 'client_secret_post' });
  const downgraded = await server.createOrg('council');
  offPlan = await server.createClient({ org: downgraded, grants: ['client_credentials'], scope: 'invoices:read payouts:read' });
  await runCommand(server.services, { name: 'org.set-plan', org: downgraded, plan: 'pro' });
  front = createServer((req, res) => {
    answeredBy.push('fast path');
    void server.services.tokenEndpoint(req, res, () => {
      answeredBy[answeredBy.length - 1] = 'oidc-provider';
      void server.services.provider().callback()(req, res);
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => front.close(resolve));
  await server.stop();
});

async function post(body: string | Buffer, headers: Record<string, string>) {
  answeredBy = [];
  const res = await fetch(`${frontUrl}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown>, by: answeredBy[0] };
}

const auth = () => ({ authorization: basic(client.clientId, client.clientSecret) });

describe('client-credentials fast path', () => {
  it('answers a plain valid request itself, with the token oidc-provider issues for the same request', async () => {
    const fast = await post('grant_type=client_credentials&scope=invoices:read', auth());
    // An unknown parameter (ignored by oidc-provider, RFC 6749 §3.1) sends the same request to oidc-provider.
    const slow = await post('grant_type=client_credentials&scope=invoices:read&x-trace=1', auth());
    expect(fast.by).toBe('fast path');
    expect(slow.by).toBe('oidc-provider');
    expect(fast.status).toBe(200);
    expect(slow.status).toBe(200);
    expect(Object.keys(fast.body)).toEqual(Object.keys(slow.body));
    expect({ ...fast.body, access_token: '' }).toEqual({ ...slow.body, access_token: '' });
    for (const header of ['cache-control', 'content-type']) expect(fast.headers.get(header), header).toBe(slow.headers.get(header));

    const [fastHeader, slowHeader] = [fast, slow].map((r) => decodeProtectedHeader(String(r.body.access_token)));
    expect(fastHeader).toEqual(slowHeader);
    const fastClaims = decodeJwt(String(fast.body.access_token));
    const slowClaims = decodeJwt(String(slow.body.access_token));
    expect(Object.keys(fastClaims)).toEqual(Object.keys(slowClaims));
    const stable = (c: typeof fastClaims) => ({ ...c, jti: String(c.jti).length, iat: undefined, exp: Number(c.exp) - Number(c.iat) });
    expect(stable(fastClaims)).toEqual(stable(slowClaims));
    expect(fastClaims).toMatchObject({ organizationId: org, sub: client.clientId, client_id: client.clientId, scope: 'invoices:read' });
  });

  it('issues the same answer without a scope, with repeated scopes and with an explicit resource', async () => {
    for (const body of ['grant_type=client_credentials', 'grant_type=client_credentials&scope=invoices:read%20invoices:read', `grant_type=client_credentials&resource=${encodeURIComponent(server.url)}`]) {
      const fast = await post(body, auth());
      const slow = await post(`${body}&x-trace=1`, auth());
      expect([fast.by, slow.by], body).toEqual(['fast path', 'oidc-provider']);
      expect({ ...fast.body, access_token: '' }, body).toEqual({ ...slow.body, access_token: '' });
      const [a, b] = [fast, slow].map((r) => decodeJwt(String(r.body.access_token)));
      expect({ ...a, jti: 0, iat: 0, exp: 0 }, body).toEqual({ ...b, jti: 0, iat: 0, exp: 0 });
    }
  });

  it.each([
    ['a wrong secret', 'grant_type=client_credentials', () => ({ authorization: basic(client.clientId, `${client.clientSecret}x`) }), 401],
    ['an unknown client', 'grant_type=client_credentials', () => ({ authorization: basic('cli_unknown', 'secret') }), 401],
    ['a scope the client does not hold', 'grant_type=client_credentials&scope=clients:read', auth, 400],
    ['an unknown scope', 'grant_type=client_credentials&scope=nope', auth, 400],
    ['an unknown resource', 'grant_type=client_credentials&resource=https%3A%2F%2Fevil.example%2F', auth, 400],
    ['a repeated parameter', 'grant_type=client_credentials&scope=invoices:read&scope=invoices:read', auth, 400],
    ['another grant', 'grant_type=refresh_token&refresh_token=x', auth, 400],
    // oidc-provider parses with node:querystring, which keeps a leading '?' in the first name.
    ['a body starting with ?', '?grant_type=client_credentials&scope=invoices:read', auth, 400],
    ['a scope beyond the plan', 'grant_type=client_credentials&scope=payouts:read', () => ({ authorization: basic(offPlan.clientId, offPlan.clientSecret) }), 400],
  ])('hands %s to oidc-provider, whose error stands', async (_label, body, headers, status) => {
    const res = await post(body, headers());
    expect(res.by).toBe('oidc-provider');
    expect(res.status).toBe(status);
    expect(res.body.error).toEqual(expect.any(String));
    expect(res.body.access_token).toBeUndefined();
  });

  it('replays a body it read byte for byte (a byte that is not UTF-8 stays one byte)', async () => {
    const body = Buffer.concat([Buffer.from('grant_type=client_credentials&scope=invoices:read&x-trace='), Buffer.from([0xe9])]);
    const res = await post(body, auth());
    expect(res.by).toBe('oidc-provider');
    expect(res.status).toBe(200);
  });

  it.each([
    ['another charset', () => ({ ...auth(), 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' })],
    ['a Basic header that is not canonical base64', () => ({ authorization: `${basic(client.clientId, client.clientSecret)}==` })],
    ['client attestation headers', () => ({ ...auth(), 'oauth-client-attestation': 'x' })],
    ['a DPoP proof', () => ({ ...auth(), dpop: 'x.y.z' })],
  ])('hands over a request with %s', async (_label, headers) => {
    const res = await post('grant_type=client_credentials', headers());
    expect(res.by).toBe('oidc-provider');
  });

  it('hands over a client oidc-provider would refuse: one registered without scopes', async () => {
    const bare = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read' });
    await server.services.database.db.updateTable('oauth_clients').set({ scope: '' }).where('client_id', '=', bare.clientId).execute();
    server.services.registry.invalidate(bare.clientId);
    const res = await post('grant_type=client_credentials', { authorization: basic(bare.clientId, bare.clientSecret) });
    expect(res.by).toBe('oidc-provider');
    expect(res.body.access_token).toBeUndefined();
  });

  it('hands over a client registered for another authentication method (oidc-provider decides)', async () => {
    const res = await post('grant_type=client_credentials', { authorization: basic(postClient.clientId, postClient.clientSecret) });
    expect(res.by).toBe('oidc-provider');
  });

  it('hands over requests it does not read at all: body credentials, and browsers (CORS)', async () => {
    const posted = await post(`grant_type=client_credentials&client_id=${postClient.clientId}&client_secret=${postClient.clientSecret}`, {});
    expect(posted).toMatchObject({ by: 'oidc-provider', status: 200 });
    const cors = await post('grant_type=client_credentials', { ...auth(), origin: 'https://app.example' });
    expect(cors.by).toBe('oidc-provider');
    // A confidential client is never served to a browser (clientBasedCORS in oauth/provider/clients.ts).
    expect(cors.status).toBe(400);
    expect(cors.headers.get('access-control-allow-origin')).toBeNull();
    expect(cors.body.access_token).toBeUndefined();
  });
});

describe('CLIENT_CREDENTIALS_FAST_PATH=false', () => {
  it('sends every token request to oidc-provider', async () => {
    const off = await startTestServer({ env: { CLIENT_CREDENTIALS_FAST_PATH: 'false' } });
    try {
      const c = await off.createClient({ org: await off.createOrg(), grants: ['client_credentials'], scope: 'invoices:read' });
      let handedOver = false;
      const frontOff = createServer((req, res) => {
        void off.services.tokenEndpoint(req, res, () => {
          handedOver = true;
          void off.services.provider().callback()(req, res);
        });
      });
      await new Promise<void>((resolve) => frontOff.listen(0, '127.0.0.1', resolve));
      try {
        const res = await fetch(`http://127.0.0.1:${(frontOff.address() as AddressInfo).port}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.clientId, c.clientSecret) },
          body: 'grant_type=client_credentials&scope=invoices:read',
        });
        expect(res.status).toBe(200);
        expect(handedOver).toBe(true);
      } finally {
        await new Promise((resolve) => frontOff.close(resolve));
      }
    } finally {
      await off.stop();
    }
  });
});
