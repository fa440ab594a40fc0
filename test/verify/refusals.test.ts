// One vocabulary of refusals: the same request refused by Keyward's own API (/v1) and by an API
// guarded with @keyward/verify gets the same status and error code, for every cause.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createVerifier, requireScope, VerificationError, type Verifier } from '../../packages/verify/src/index.js';
import { operatorKey } from '../management/helpers.js';

let server: TestServer;
let verifier: Verifier;
const keys: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  const org = await server.createOrg('pro');
  const rs = await server.createClient({ org, grants: ['client_credentials'], introspect: true });
  verifier = createVerifier({ issuer: server.url, audience: server.services.config.resources[0], introspection: rs });
  keys.good = (await operatorKey(server, org, ['api-keys:read'])).key;
  keys.narrow = (await operatorKey(server, org, ['invoices:read'])).key;
  keys.elsewhere = (await operatorKey(server, org, ['api-keys:read'], { ipAllowlist: ['10.0.0.0/8'] })).key;
  const revoked = await operatorKey(server, org, ['api-keys:read']);
  await server.services.keys.revoke({ organizationId: org, id: 'test', grantor: { kind: 'operator' } }, revoked.id);
  keys.revoked = revoked.key;
});
afterAll(() => server.stop());

interface Case {
  what: string;
  query?: string;
  headers: () => Record<string, string>;
  expected: [number, string | undefined];
}

const JWT_LOOKALIKE = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
const CASES: Case[] = [
  { what: 'no credential', headers: () => ({}), expected: [401, 'missing_credentials'] },
  { what: 'a key in the query string', query: '?api_key=sk_live_x', headers: () => ({}), expected: [400, 'invalid_request'] },
  { what: 'a token in the query string beside a good header', query: '?access_token=x', headers: () => ({ 'x-api-key': keys.good! }), expected: [400, 'invalid_request'] },
  { what: 'Basic instead of Bearer', headers: () => ({ authorization: 'Basic dXNlcjpwYXNz' }), expected: [400, 'invalid_request'] },
  { what: 'Basic beside a good x-api-key', headers: () => ({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': keys.good! }), expected: [400, 'invalid_request'] },
  { what: 'two different credentials', headers: () => ({ authorization: `Bearer ${keys.narrow!}`, 'x-api-key': keys.good! }), expected: [400, 'invalid_request'] },
  { what: 'an unknown key', headers: () => ({ 'x-api-key': 'sk_live_nope' }), expected: [401, 'invalid_api_key'] },
  { what: 'a revoked key', headers: () => ({ 'x-api-key': keys.revoked! }), expected: [401, 'invalid_api_key'] },
  { what: 'a key from an address outside its allowlist', headers: () => ({ 'x-api-key': keys.elsewhere! }), expected: [401, 'invalid_api_key'] },
  { what: 'a token in x-api-key', headers: () => ({ 'x-api-key': JWT_LOOKALIKE }), expected: [401, 'invalid_api_key'] },
  { what: 'a forged token', headers: () => ({ authorization: `Bearer ${JWT_LOOKALIKE}` }), expected: [401, 'invalid_token'] },
  { what: 'a key without the scope', headers: () => ({ 'x-api-key': keys.narrow! }), expected: [403, 'insufficient_scope'] },
  { what: 'a good key', headers: () => ({ 'x-api-key': keys.good! }), expected: [200, undefined] },
];

async function keywardAnswer(c: Case): Promise<[number, string | undefined]> {
  const res = await fetch(`${server.url}/v1/api-keys${c.query ?? ''}`, { headers: c.headers() });
  const body = (await res.json()) as { error?: string };
  return [res.status, body.error];
}

async function kitAnswer(c: Case): Promise<[number, string | undefined]> {
  try {
    // The address Keyward sees for these requests: the loopback.
    const principal = await verifier.verify({ headers: c.headers(), method: 'GET', url: `/v1/api-keys${c.query ?? ''}`, ip: '127.0.0.1' });
    requireScope(principal, 'api-keys:read');
    return [200, undefined];
  } catch (err) {
    if (!(err instanceof VerificationError)) throw err;
    return [err.status, err.error];
  }
}

describe('Keyward and @keyward/verify refuse alike', () => {
  it.each(CASES.map((c) => [c.what, c] as const))('%s', async (_what, c) => {
    expect(await keywardAnswer(c)).toEqual(c.expected);
    expect(await kitAnswer(c)).toEqual(c.expected);
  });
});
