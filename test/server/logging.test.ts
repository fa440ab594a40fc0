// pino JSON logs carry no secret, token, code or password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, BrowserSession, codeExchange, postForm } from '../helpers/oauth-flow.js';
import { operatorKey } from '../management/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('logs', () => {
  it('never contain a client secret, token, code, verifier, password, API key or cookie', async () => {
    const org = await server.createOrg();
    const user = await server.createUser([org]);
    const svc = await server.createClient({ org, grants: ['client_credentials'] });
    const app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'] });
    const cc = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(svc.clientId, svc.clientSecret) });
    const session = new BrowserSession(server);
    const flow = await codeExchange(server, app, { redirectUri: 'https://app.example/cb', scope: 'invoices:read', organizationId: org, user }, session);
    const key = await operatorKey(server, org, ['api-keys:read']);
    await fetch(`${server.url}/v1/api-keys`, { headers: { 'x-api-key': key.key, 'x-request-id': 'log-test' } });
    await fetch(`${server.url}/v1/api-keys`, { headers: { authorization: `Bearer ${key.key}` } });
    await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(svc.clientId, 'wrong-secret-value') });
    await postForm(server, '/oauth2/introspect', { token: String(flow.token.body.access_token) }, { authorization: basic(app.clientId, app.clientSecret) });

    const logs = server.logs.join('');
    expect(logs).toContain('"msg":"request"');
    expect(logs).toContain('"reqId":"log-test"');
    for (const secret of [
      svc.clientSecret,
      app.clientSecret,
      'wrong-secret-value',
      String(cc.body.access_token),
      String(flow.token.body.access_token),
      String(flow.token.body.refresh_token),
      flow.code,
      flow.verifier,
      user.password,
      key.key,
      // The interaction cookies carry the interaction id, which is in the page URL by design
      // (its cookie signature is what binds it to the browser); every other cookie value is secret.
      ...[...session.jar].filter(([name]) => !name.startsWith('_interaction')).map(([, value]) => value),
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});
