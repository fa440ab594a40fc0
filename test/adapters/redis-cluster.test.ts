// The Redis adapter's key layout (one hash tag per key, one key per command) on a real
// three-node Redis Cluster: the contract suite, then a full token flow through Keyward.
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisProtocolStore } from '../../src/adapters/protocol-store.js';
import { TEST_STATE_KEYS } from './adapter-contract.js';
import { privateRedisCluster, type PrivateRedisCluster } from '../helpers/private-redis-cluster.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, codeExchange, postForm } from '../helpers/oauth-flow.js';
import { adapterContract } from './adapter-contract.js';

const cluster: PrivateRedisCluster = await privateRedisCluster();
const client = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0]! }]);
afterAll(async () => {
  client.disconnect();
  cluster.remove();
});

adapterContract('Redis Cluster', (policy) => redisProtocolStore(client, 'kw:', policy, TEST_STATE_KEYS));

describe('Keyward on Redis Cluster', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { REDIS_URL: cluster.seedUrl, REDIS_CLUSTER: 'true' } });
  });
  afterAll(() => server.stop());

  it('issues, rotates, detects reuse and revokes across slots', async () => {
    const org = await server.createOrg();
    const user = await server.createUser([org]);
    const app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'] });
    const auth = { authorization: basic(app.clientId, app.clientSecret) };
    const { token } = await codeExchange(server, app, { redirectUri: 'https://app.example/cb', scope: 'invoices:read', organizationId: org, user });
    expect(token.status).toBe(200);
    const rt1 = String(token.body.refresh_token);
    const next = await postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: rt1 }, auth);
    expect(next.status).toBe(200);
    const reuse = await postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: rt1 }, auth);
    expect(reuse.body.error).toBe('invalid_grant');
    const at = await postForm(server, '/oauth2/introspect', { token: String(next.body.access_token) }, auth);
    expect(at.body).toEqual({ active: false });
  });

  it('counts failed credentials on the cluster (one slot per counter)', async () => {
    const failed = await fetch(new URL('/v1/api-keys', server.url), { headers: { 'x-api-key': 'sk_live_nope' } });
    expect(failed.status).toBe(401);
  });
});
