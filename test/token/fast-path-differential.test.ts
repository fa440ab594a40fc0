// The fast path and oidc-provider, side by side on generated requests: scopes (held, unheld,
// unknown, off-plan, management, wildcard, protocol), separators, resources, parameter-name
// encodings, stray characters, charsets, client kinds (Basic, form credentials, off-plan,
// rotated with a grace period) and secret states. Every request is sent through Keyward's token
// endpoint (fast path first) and straight to oidc-provider; both must give the same status, the
// same body and, for a token, the same header and claims (less jti, iat and exp).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic } from '../helpers/oauth-flow.js';
import { runCommand } from '../../src/operator/commands.js';

interface TestClient {
  clientId: string;
  secret: string;
  /** A secret that works during the grace period of a rotation, or a wrong one. */
  previous: string;
  method: 'client_secret_basic' | 'client_secret_post';
}

let server: TestServer;
const fronts: Server[] = [];
let viaKeyward: string;
let viaProvider: string;
const clients: Record<string, TestClient> = {};

async function front(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const listening = createServer(handle);
  fronts.push(listening);
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}/oauth2/token`;
}

beforeAll(async () => {
  server = await startTestServer();
  const org = await server.createOrg('pro');
  const register = async (scope: string, o: { org?: string; authMethod?: string } = {}) => {
    const c = await server.createClient({ org: o.org ?? org, grants: ['client_credentials'], scope, ...(o.authMethod ? { authMethod: o.authMethod } : {}) });
    return { clientId: c.clientId, secret: c.clientSecret, previous: `${c.clientSecret}x`, method: (o.authMethod ?? 'client_secret_basic') as TestClient['method'] };
  };
  clients.basic = await register('invoices:read invoices:write api-keys:read');
  clients.post = await register('invoices:read', { authMethod: 'client_secret_post' });
  const downgraded = await server.createOrg('council');
  clients.offPlan = await register('invoices:read payouts:read', { org: downgraded });
  await runCommand(server.services, { name: 'org.set-plan', org: downgraded, plan: 'pro' });
  const rotating = await register('invoices:read');
  const rotated = await runCommand(server.services, { name: 'client.rotate-secret', clientId: rotating.clientId, graceSeconds: 600 });
  clients.rotated = { ...rotating, secret: String(rotated.client_secret), previous: rotating.secret };

  viaKeyward = await front((req, res) => void server.services.tokenEndpoint(req, res, () => void server.services.provider().callback()(req, res)));
  viaProvider = await front((req, res) => void server.services.provider().callback()(req, res));
});
afterAll(async () => {
  for (const f of fronts) await new Promise((resolve) => f.close(resolve));
  await server.stop();
});

const SCOPES = ['invoices:read', 'invoices:write', 'api-keys:read', 'payouts:read', 'clients:read', 'nope', 'openid', 'offline_access', 'invoices:*', 'read:invoices'];

const anyRequest = fc.record({
  client: fc.constantFrom('basic', 'post', 'offPlan', 'rotated'),
  secret: fc.constantFrom('current', 'previous', 'wrong'),
  credentials: fc.constantFrom('header', 'body', 'both'),
  scopes: fc.option(fc.subarray(SCOPES, { maxLength: 3 }), { nil: undefined }),
  separator: fc.constantFrom(' ', '  ', '+', '%20'),
  padded: fc.boolean(),
  resource: fc.constantFrom(undefined, 'product', 'management', 'https://evil.example/', 'product/'),
  grantName: fc.constantFrom('grant_type', 'grant%5Ftype'),
  stray: fc.constantFrom('', '&', '?', '&scope=invoices:read', '&x-trace=1'),
  charset: fc.constantFrom('', '; charset=utf-8', '; charset=UTF-8', '; charset=iso-8859-1'),
});

/**
 * Requests from a client with its right credentials, varying only the request's syntax, so the
 * fast path's own parsing is compared often; and the same with plain syntax, so tokens are.
 */
const authenticated = { client: fc.constantFrom('basic', 'rotated'), secret: fc.constant('current'), credentials: fc.constant('header') };
const syntaxRequest = anyRequest.chain((g) => fc.record(authenticated).map((a) => ({ ...g, ...a })));
const plainRequest = fc.record({
  ...authenticated,
  scopes: fc.option(fc.subarray(['invoices:read', 'invoices:write', 'api-keys:read'], { maxLength: 2 }), { nil: undefined }),
  separator: fc.constant(' '),
  padded: fc.constant(false),
  resource: fc.constantFrom(undefined, 'product', 'management'),
  grantName: fc.constant('grant_type'),
  stray: fc.constant(''),
  charset: fc.constantFrom('', '; charset=utf-8'),
});

const request = fc.oneof(anyRequest, syntaxRequest, plainRequest);

type Generated = typeof anyRequest extends fc.Arbitrary<infer T> ? T : never;

function build(g: Generated): { body: string; headers: Record<string, string> } {
  const client = clients[g.client]!;
  const secret = g.secret === 'current' ? client.secret : g.secret === 'previous' ? client.previous : 'kwcs_wrong';
  const parts = [`${g.grantName}=client_credentials`];
  if (g.scopes) {
    const joined = g.scopes.map(encodeURIComponent).join(g.separator);
    parts.push(`scope=${g.padded ? `${g.separator}${joined}` : joined}`);
  }
  if (g.resource) {
    const resource = g.resource === 'product' ? server.url : g.resource === 'product/' ? `${server.url}/` : g.resource === 'management' ? `${server.url}/v1` : g.resource;
    parts.push(`resource=${encodeURIComponent(resource)}`);
  }
  const headers: Record<string, string> = { 'content-type': `application/x-www-form-urlencoded${g.charset}` };
  if (g.credentials !== 'body') headers.authorization = basic(client.clientId, secret);
  if (g.credentials !== 'header') parts.push(`client_id=${encodeURIComponent(client.clientId)}`, `client_secret=${encodeURIComponent(secret)}`);
  const body = parts.join('&');
  return { body: g.stray === '?' ? `?${body}` : `${body}${g.stray}`, headers };
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

/** What must agree: everything but the token's own identity and times. */
function comparable(answer: { status: number; body: Record<string, unknown> }) {
  const { access_token: token, ...rest } = answer.body;
  if (typeof token !== 'string') return { status: answer.status, body: rest };
  const claims = decodeJwt(token);
  return { status: answer.status, body: rest, header: decodeProtectedHeader(token), claims: Object.keys(claims), values: { ...claims, jti: undefined, iat: undefined, exp: Number(claims.exp) - Number(claims.iat) } };
}

describe('client credentials: the fast path and oidc-provider answer alike', () => {
  it('on generated requests', async () => {
    let tokens = 0;
    await fc.assert(
      fc.asyncProperty(request, async (g) => {
        const r = build(g);
        const [keyward, provider] = await Promise.all([send(viaKeyward, r), send(viaProvider, r)]);
        if (keyward.status === 200) tokens++;
        expect(comparable(keyward), `${r.body} ${JSON.stringify(r.headers)}`).toEqual(comparable(provider));
      }),
      { numRuns: 300 },
    );
    // The generator reaches tokens, not only refusals.
    expect(tokens).toBeGreaterThan(40);
  });
});
