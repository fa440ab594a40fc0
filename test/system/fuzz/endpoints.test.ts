// Thousands of random and hostile requests at every public endpoint, over real HTTP: no 5xx,
// no stack trace in a body, and the process memory stays flat.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { basic } from '../../helpers/oauth-flow.js';

let server: TestServer;
let auth: string;

beforeAll(async () => {
  server = await startTestServer();
  const client = await server.createClient({ org: await server.createOrg(), grants: ['client_credentials'], introspect: true });
  auth = basic(client.clientId, client.clientSecret);
});
afterAll(() => server.stop());

const text = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom('', '%', '%zz', '\u0000', 'a'.repeat(5000), '{"a":1}', '[]', 'null', '<script>alert(1)</script>', '../../etc/passwd', "' OR 1=1--"),
);
const header = fc.string({ maxLength: 80 }).filter((v) => /^[\x20-\x7e]*$/.test(v));
const endpoint = fc.constantFrom(
  ['POST', '/oauth2/token'],
  ['POST', '/oauth2/introspect'],
  ['POST', '/oauth2/revoke'],
  ['GET', '/oauth2/userinfo'],
  ['GET', '/oauth2/authorize'],
  ['POST', '/oauth2/par'],
  ['GET', '/interaction/x'],
  ['POST', '/interaction/x/login'],
  ['POST', '/v1/api-keys'],
  ['GET', '/v1/api-keys'],
  ['GET', '/v1/api-keys/key_x'],
  ['POST', '/v1/oauth-clients'],
  ['GET', '/.well-known/openid-configuration'],
);
const form = fc.dictionary(fc.constantFrom('grant_type', 'client_id', 'client_secret', 'token', 'scope', 'resource', 'code', 'redirect_uri', 'refresh_token', 'name', 'x'), text, { maxKeys: 6 });

const STACK = /\n\s+at .+[(:]\d+:\d+|node_modules\//;

describe('fuzzing X-Forwarded-For behind a trusted proxy', () => {
  it('never fails on a hostile forwarded address, and never lets it pass an allowlist', async () => {
    const proxied = await startTestServer({ env: { TRUST_PROXY: '2' } });
    try {
      const org = await proxied.createOrg();
      const { key } = await proxied.services.keys.create({ organizationId: org, id: 'fuzz', grantor: { kind: 'operator' } }, { name: 'k', scopes: ['api-keys:read'], ipAllowlist: ['198.51.100.7'] });
      const hop = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('', 'unknown', '198.51.100.7:80', '[::1]', '198.51.100.7 ', '0x7f.1', '999.1.1.1', '198.51.100.007'), fc.string({ maxLength: 40 }).filter((v) => /^[\x20-\x7e]*$/.test(v)));
      await fc.assert(
        fc.asyncProperty(fc.array(hop, { minLength: 1, maxLength: 5 }), async (hops) => {
          const res = await fetch(`${proxied.url}/v1/api-keys`, { headers: { 'x-api-key': key, 'x-forwarded-for': hops.join(', ') } });
          await res.arrayBuffer();
          expect(res.status).toBeLessThan(500);
          // Two trusted hops: the client is the first of the last two entries. Only an entry
          // exactly equal to the allowed address in that place may pass.
          const considered = hops.join(', ').split(',').map((h) => h.trim()).slice(-2);
          if (res.status === 200) expect(considered[0]).toBe('198.51.100.7');
        }),
        { numRuns: 500 },
      );
    } finally {
      await proxied.stop();
    }
  }, 120_000);
});

describe('fuzzing the endpoints', () => {
  it('answers every hostile request without a 5xx or a stack trace', async () => {
    const before = process.memoryUsage().heapUsed;
    await fc.assert(
      fc.asyncProperty(
        endpoint,
        form,
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', ''),
        fc.record({ authorization: fc.oneof(header, fc.constant(auth)), apiKey: header, query: fc.dictionary(fc.constantFrom('client_id', 'scope', 'redirect_uri', 'response_type', 'api_key', 'a'), text, { maxKeys: 4 }) }),
        fc.boolean(),
        async ([method, path], body, contentType, extra, duplicate) => {
          const query = new URLSearchParams(extra.query);
          if (duplicate) query.append('scope', 'x');
          const payload = contentType === 'application/json' ? JSON.stringify(body) : new URLSearchParams(body).toString() + (duplicate ? '&token=a&token=b' : '');
          const headers: Record<string, string> = {};
          if (contentType) headers['content-type'] = contentType;
          if (extra.authorization) headers.authorization = extra.authorization;
          if (extra.apiKey) headers['x-api-key'] = extra.apiKey;
          const res = await fetch(`${server.url}${path}?${query}`, { method, headers, body: method === 'GET' ? undefined : payload, redirect: 'manual' });
          const answer = await res.text();
          expect(res.status, `${method} ${path} ${answer.slice(0, 200)}`).toBeLessThan(500);
          expect(answer).not.toMatch(STACK);
        },
      ),
      { numRuns: 1500 },
    );
    // Memory stays flat: what 1,500 requests leave behind is garbage, not growth.
    global.gc?.();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(150 * 1024 * 1024);
  }, 240_000);
});
