// The refresh-token fast path and oidc-provider, side by side on generated requests: tokens
// (live, unknown, another client's), clients and secrets, scopes (held, narrowed, not held,
// unknown, OpenID, empty), resources, stray parameters, parameter-name encodings and charsets,
// users of either role. The server keeps rotated tokens presentable for a while
// (REFRESH_TOKEN_REUSE_INTERVAL), so each request can be sent through Keyward's token endpoint
// (fast path first) and then straight to oidc-provider with the same token. Both must give the
// same status and body and, for a token, the same header and claims (less jti, iat and exp),
// and the successors they write must be the same record (less its id and times).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterPayload } from 'oidc-provider';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, codeExchange } from '../helpers/oauth-flow.js';
import { api } from '../management/helpers.js';
import { adminKey } from '../policy/flows.js';

const REDIRECT = 'https://app.example/cb';
let server: TestServer;
const fronts: Server[] = [];
let viaKeyward: string;
let viaProvider: string;
let fastAnswers = 0;
const clients: Record<'app' | 'other', { clientId: string; clientSecret: string }> = {} as never;
/** Live refresh tokens of `app` (several users, roles, audiences and scopes), and one of `other`'s. */
const seeds: string[] = [];
let othersToken: string;

async function front(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const listening = createServer(handle);
  fronts.push(listening);
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}/oauth2/token`;
}

beforeAll(async () => {
  server = await startTestServer({ env: { REFRESH_TOKEN_REUSE_INTERVAL: '300' } });
  const org = await server.createOrg('pro');
  clients.app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read invoices:write clients:read api-keys:read' });
  clients.other = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read' });
  const admin = await server.createUser([org]);
  const member = await server.createUser([{ org, role: 'member' }]);
  const demoted = await server.createUser([org]);
  const signIn = async (client: typeof clients.app, user: typeof admin, scope: string) => {
    const { token } = await codeExchange(server, client, { redirectUri: REDIRECT, scope, organizationId: org, user });
    if (token.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(token.body)}`);
    return String(token.body.refresh_token);
  };
  seeds.push(
    await signIn(clients.app, admin, 'invoices:read'),
    await signIn(clients.app, admin, 'invoices:read invoices:write clients:read'),
    await signIn(clients.app, member, 'invoices:read invoices:write'),
    await signIn(clients.app, admin, 'api-keys:read'),
    // Consented as an admin, refreshed as a member: the role's ceiling narrows what it gets now.
    await signIn(clients.app, demoted, 'api-keys:read'),
  );
  expect((await api(server, 'POST', `/v1/members/${demoted.id}`, (await adminKey(server, org)).key, { role: 'member' })).status).toBe(200);
  othersToken = await signIn(clients.other, admin, 'invoices:read');

  viaKeyward = await front((req, res) => {
    let handedOver = false;
    res.once('finish', () => {
      if (!handedOver) fastAnswers++;
    });
    void server.services.tokenEndpoint(req, res, () => {
      handedOver = true;
      void server.services.provider().callback()(req, res);
    });
  });
  viaProvider = await front((req, res) => void server.services.provider().callback()(req, res));
});
afterAll(async () => {
  for (const f of fronts) await new Promise((resolve) => f.close(resolve));
  await server.stop();
});

const SCOPES = ['invoices:read', 'invoices:write', 'clients:read', 'api-keys:read', 'openid', 'nope', 'read:invoices'];

const anyRequest = fc.record({
  token: fc.oneof(fc.nat({ max: 4 }), fc.constantFrom('unknown', 'others')),
  client: fc.constantFrom('app', 'other'),
  secret: fc.constantFrom('right', 'wrong'),
  scopes: fc.option(fc.subarray(SCOPES, { maxLength: 3 }), { nil: undefined }),
  separator: fc.constantFrom(' ', '  ', '+'),
  resource: fc.constantFrom(undefined, 'product', 'management', 'https://evil.example/', 'product/'),
  grantName: fc.constantFrom('grant_type', 'grant%5Ftype'),
  stray: fc.constantFrom('', '&', '?', '&scope=invoices:read', '&x-trace=1', '&refresh_token=again'),
  charset: fc.constantFrom('', '; charset=utf-8', '; charset=iso-8859-1'),
});
/** The same, from the right client with plain syntax, so that rotations are compared often. */
const plainRequest = fc.record({
  token: fc.nat({ max: 4 }),
  client: fc.constant('app'),
  secret: fc.constant('right'),
  scopes: fc.option(fc.subarray(['invoices:read', 'invoices:write', 'clients:read', 'api-keys:read'], { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 2 }),
  separator: fc.constant(' '),
  resource: fc.constantFrom(undefined, undefined, 'product', 'management'),
  grantName: fc.constant('grant_type'),
  stray: fc.constant(''),
  charset: fc.constantFrom('', '; charset=utf-8'),
});
const request = fc.oneof(anyRequest, plainRequest, plainRequest);

type Generated = typeof anyRequest extends fc.Arbitrary<infer T> ? T : never;

function build(g: Generated): { body: string; headers: Record<string, string> } {
  const client = clients[g.client as 'app' | 'other'];
  const token = typeof g.token === 'number' ? seeds[g.token]! : g.token === 'others' ? othersToken : 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  const parts = [`${g.grantName}=refresh_token`, `refresh_token=${token}`];
  if (g.scopes) parts.push(`scope=${g.scopes.map(encodeURIComponent).join(g.separator)}`);
  if (g.resource) {
    const resource = g.resource === 'product' ? server.url : g.resource === 'product/' ? `${server.url}/` : g.resource === 'management' ? `${server.url}/v1` : g.resource;
    parts.push(`resource=${encodeURIComponent(resource)}`);
  }
  const body = parts.join('&');
  return {
    body: g.stray === '?' ? `?${body}` : `${body}${g.stray}`,
    headers: {
      'content-type': `application/x-www-form-urlencoded${g.charset}`,
      authorization: basic(client.clientId, g.secret === 'right' ? client.clientSecret : `${client.clientSecret}x`),
    },
  };
}

async function send(url: string, r: { body: string; headers: Record<string, string> }) {
  const res = await fetch(url, { method: 'POST', headers: r.headers, body: r.body });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body };
}

/** What must agree: everything but the tokens' own identity and times. */
async function comparable(answer: { status: number; body: Record<string, unknown> }) {
  const { access_token: accessToken, refresh_token: refreshToken, ...rest } = answer.body;
  if (typeof accessToken !== 'string') return { status: answer.status, body: rest };
  const claims = decodeJwt(accessToken);
  const successor = (await server.services.store.forModel('RefreshToken').find(String(refreshToken))) as AdapterPayload;
  return {
    status: answer.status,
    body: rest,
    header: decodeProtectedHeader(accessToken),
    claims: Object.keys(claims),
    values: { ...claims, jti: undefined, iat: undefined, exp: Number(claims.exp) - Number(claims.iat) },
    successor: { ...successor, jti: undefined, iat: undefined, exp: Number(successor.exp) - Number(successor.iat) },
  };
}

describe('refresh tokens: the fast path and oidc-provider answer alike', () => {
  it('on generated requests', async () => {
    let tokens = 0;
    await fc.assert(
      fc.asyncProperty(request, async (g) => {
        const r = build(g);
        const keyward = await send(viaKeyward, r);
        const provider = await send(viaProvider, r);
        if (keyward.status === 200) tokens++;
        expect(await comparable(keyward), `${r.body} ${JSON.stringify(r.headers)}`).toEqual(await comparable(provider));
      }),
      { numRuns: 200 },
    );
    // The generator reaches rotations, and the fast path answers many of them itself.
    expect(tokens).toBeGreaterThan(50);
    expect(fastAnswers).toBeGreaterThan(40);
  });
});
