// /metrics in Prometheus format; METRICS_PORT moves it off the public port. Request ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { freePort } from '../helpers/free-port.js';
import { basic, codeExchange, postForm } from '../helpers/oauth-flow.js';
import { startMetricsServer } from '../../src/metrics/endpoint.js';
import { operatorKey } from '../management/helpers.js';
import { changeLastCharacter } from '../helpers/tamper.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('/metrics', () => {
  it('counts requests, tokens by grant, API-key verifications, reuse detections, and process metrics', async () => {
    const org = await server.createOrg();
    const svc = await server.createClient({ org, grants: ['client_credentials'] });
    await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(svc.clientId, svc.clientSecret) });
    const app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'] });
    const user = await server.createUser([org]);
    const { token } = await codeExchange(server, app, { redirectUri: 'https://app.example/cb', scope: 'invoices:read', user });
    const auth = { authorization: basic(app.clientId, app.clientSecret) };
    const rt = String(token.body.refresh_token);
    await postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: rt }, auth);
    await postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: rt }, auth); // reuse
    const key = await operatorKey(server, org, ['api-keys:read']);
    await fetch(`${server.url}/v1/api-keys`, { headers: { 'x-api-key': key.key } });
    await fetch(`${server.url}/v1/api-keys`, { headers: { 'x-api-key': changeLastCharacter(key.key) } });

    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/keyward_http_requests_total\{route="\/oauth2\/token",method="POST",status="200"\} \d+/);
    expect(text).toMatch(/keyward_http_request_duration_seconds_bucket\{le="0.1",route="\/oauth2\/token"/);
    expect(text).toMatch(/keyward_tokens_issued_total\{grant="client_credentials"\} 1/);
    expect(text).toMatch(/keyward_tokens_issued_total\{grant="authorization_code"\} 1/);
    expect(text).toMatch(/keyward_tokens_issued_total\{grant="refresh_token"\} 1/);
    expect(text).toMatch(/keyward_grant_source_reuse_total\{kind="refresh_token"\} 1/);
    expect(text).toMatch(/keyward_api_key_verifications_total\{result="valid"\} 1/);
    expect(text).toMatch(/keyward_api_key_verifications_total\{result="malformed"\} 1/);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toMatch(/route="\/interaction\/:uid\/login"/);
    expect(text).not.toMatch(/route="\/interaction\/[A-Za-z0-9_-]{20,}/);
  });

  it('serves only /metrics on METRICS_PORT', async () => {
    const port = await freePort();
    const metricsServer = await startMetricsServer(server.services.metrics, port, '127.0.0.1');
    try {
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/oauth2/jwks`)).status).toBe(404);
    } finally {
      metricsServer.close();
    }
  });

  it('keeps route labels bounded', () => {
    const { labelOf } = server.services.routes;
    expect(labelOf('/v1/api-keys/key_123/rotate')).toBe('/v1/api-keys/:id/rotate');
    expect(labelOf('/oauth2/authorize/abc')).toBe('/oauth2/authorize/:uid');
    expect(labelOf('/interaction/abc/invitation')).toBe('/interaction/:uid/invitation');
    expect(labelOf('/oauth2/logout/confirm')).toBe('/oauth2/logout/confirm');
    expect(labelOf('/wp-admin/../../etc')).toBe('other');
    expect(labelOf('/v1/api-keys/a/b/c/d')).toBe('other');
  });
});

describe('METRICS_PORT set', () => {
  it('takes /metrics off the public port', async () => {
    const port = await freePort();
    const other = await startTestServer({ env: { METRICS_PORT: String(port) } });
    try {
      expect((await fetch(`${other.url}/metrics`)).status).toBe(404);
    } finally {
      await other.stop();
    }
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id and logs it; replaces an insane one', async () => {
    const res = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'req-123.abc' } });
    expect(res.headers.get('x-request-id')).toBe('req-123.abc');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.logs.join('')).toContain('"reqId":"req-123.abc"');
    const evil = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'a b<script>' } });
    expect(evil.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
