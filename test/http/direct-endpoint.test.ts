// The endpoints answered on node:http (server/direct-router.ts): a form read in however many
// chunks it arrives, a JSON answer whose Content-Length node:http sets, and one answer per
// request whatever the body does after it.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic } from '../helpers/oauth-flow.js';
import { runCommand } from '../../src/operator/commands.js';

let server: TestServer;
let resourceServer: { clientId: string; clientSecret: string };
let apiKey: string;

beforeAll(async () => {
  server = await startTestServer();
  const org = await server.createOrg();
  resourceServer = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read', introspect: true });
  apiKey = String((await runCommand(server.services, { name: 'key.create', org, keyName: 'direct', scope: 'invoices:read', ips: [] })).key);
});
afterAll(() => server.stop());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** POSTs `chunks` one write at a time, a pause between them, without a declared length. */
function postInChunks(path: string, chunks: string[], headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server.url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked', ...headers } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    const writeNext = (i: number) => {
      if (i === chunks.length) return void req.end();
      req.write(chunks[i]);
      setTimeout(() => writeNext(i + 1), 20);
    };
    writeNext(0);
  });
}

describe('direct endpoints', () => {
  it('read a form sent in several chunks as one body', async () => {
    const cut = 10;
    const answer = await postInChunks('/oauth2/introspect', ['tok', `en=${apiKey.slice(0, cut)}`, apiKey.slice(cut), '&key_mode=live'], {
      authorization: basic(resourceServer.clientId, resourceServer.clientSecret),
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ active: true, token_type: 'api_key', scope: 'invoices:read' });
  });

  it('answer JSON with its exact Content-Length, never cached', async () => {
    for (const token of [apiKey, 'not-a-token']) {
      const res = await fetch(new URL('/oauth2/introspect', server.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(resourceServer.clientId, resourceServer.clientSecret) },
        body: `token=${token}`,
      });
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(Number(res.headers.get('content-length'))).toBe(body.length);
      expect(res.headers.get('transfer-encoding')).toBeNull();
    }
  });

  it('answer an error with its Content-Length, and an empty form as a missing token', async () => {
    const refused = await postInChunks('/oauth2/introspect', ['token=', 'x'], { authorization: basic(resourceServer.clientId, 'kwcs_wrong') });
    expect(refused.status).toBe(401);
    expect(Number(refused.headers['content-length'])).toBe(Buffer.byteLength(refused.body));
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'invalid_client' });
    const empty = await postInChunks('/oauth2/introspect', [], { authorization: basic(resourceServer.clientId, resourceServer.clientSecret) });
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.body)).toMatchObject({ error: 'invalid_request' });
  });
});
