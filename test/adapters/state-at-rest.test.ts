// A dump of the protocol state yields nothing that can be presented: after a sign-in, a code
// exchange and a refresh, neither Redis nor the SQL table holds a refresh token, a code, the
// session cookie or an interaction id in the clear (adapters/bearer-state.ts).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, BrowserSession, codeExchange, postForm } from '../helpers/oauth-flow.js';

const REDIRECT = 'https://app.example/cb';

async function signInAndRefresh(server: TestServer) {
  const org = await server.createOrg();
  const user = await server.createUser([org]);
  const app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: [REDIRECT], scope: 'invoices:read' });
  const session = new BrowserSession(server);
  const { code, token } = await codeExchange(server, app, { redirectUri: REDIRECT, scope: 'invoices:read', user }, session);
  const refreshed = await postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: String(token.body.refresh_token) }, { authorization: basic(app.clientId, app.clientSecret) });
  expect(refreshed.status).toBe(200);
  const interaction = /\/interaction\/([^/"?]+)/.exec(session.pages[0]!.html)?.[1];
  expect(interaction).toBeTruthy();
  // What a thief would present: every refresh token, the code, the session cookie, the interaction.
  return [String(token.body.refresh_token), String(refreshed.body.refresh_token), code, session.jar.get('_session')!, interaction!];
}

describe('protocol state at rest', () => {
  describe('in Redis', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(() => server.stop());

    it('holds no bearer value in a key or a value', async () => {
      const secrets = await signInAndRefresh(server);
      const redis = new Redis(inject('redisUrl'));
      try {
        const keys = await redis.keys(`${server.services.config.redisKeyPrefix}*`);
        const values = await Promise.all(keys.map(async (key) => ((await redis.type(key)) === 'hash' ? JSON.stringify(await redis.hgetall(key)) : (await redis.type(key)) === 'set' ? (await redis.smembers(key)).join(' ') : String(await redis.get(key)))));
        const dump = [...keys, ...values].join('\n');
        expect(keys.some((key) => key.includes('RefreshToken'))).toBe(true);
        for (const secret of secrets) expect(dump).not.toContain(secret);
      } finally {
        redis.disconnect();
      }
    });
  });

  describe('in the database', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ env: { REDIS_URL: '' } });
    });
    afterAll(() => server.stop());

    it('holds no bearer value in an id or a payload', async () => {
      const secrets = await signInAndRefresh(server);
      const rows = await server.services.database.db.selectFrom('oidc_payloads').selectAll().execute();
      expect(rows.some((row) => row.model === 'RefreshToken')).toBe(true);
      const dump = JSON.stringify(rows);
      for (const secret of secrets) expect(dump).not.toContain(secret);
    });
  });
});
