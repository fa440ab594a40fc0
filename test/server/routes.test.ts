// The route table: one owner per path, decided once, and the same table labels the metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../../src/server/routes.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('route table', () => {
  it('gives every path Keyward serves to its one owner', () => {
    const { ownerOf } = server.services.routes;
    expect(ownerOf('/oauth2/token')).toBe('token');
    for (const path of ['/oauth2/authorize', '/oauth2/authorize/abc', '/oauth2/jwks', '/oauth2/par', '/oauth2/logout', '/oauth2/logout/confirm', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      expect(ownerOf(path), path).toBe('provider');
    }
    expect(ownerOf('/oauth2/introspect')).toBe('direct');
    expect(ownerOf('/oauth2/revoke')).toBe('direct');
    for (const path of ['/oauth2/userinfo', '/healthz', '/readyz', '/metrics', '/assets/keyward.css', '/interaction/abc', '/interaction/abc/login', '/v1/api-keys', '/v1/members/usr_1', '/v1/openapi.json']) {
      expect(ownerOf(path), path).toBe('app');
    }
  });

  it('leaves unknown protocol paths to oidc-provider and every other unknown path to the app (a JSON 404)', async () => {
    const { ownerOf } = server.services.routes;
    expect(ownerOf('/oauth2/nope')).toBe('provider');
    expect(ownerOf('/v1/nope')).toBe('app');
    expect(ownerOf('/nope')).toBe('app');
    const res = await fetch(`${server.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });

  it('refuses a path with two owners', () => {
    expect(() => routeTable({ direct: ['/oauth2/token'], app: [] })).toThrow(/two owners/);
    expect(() => routeTable({ direct: ['/x/:id'], app: ['/x/:id'] })).toThrow(/two owners/);
  });
});
