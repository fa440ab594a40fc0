// The baseline: a bare oidc-provider of the same version, static clients, the same signing
// algorithm, the same number of processes. Its protocol store is its memory adapter, or with
// BENCH_REDIS_URL a plain ioredis adapter (baseline-redis-adapter.ts) under BENCH_REDIS_PREFIX.
// With BENCH_REFRESH_SEEDS=N it also creates N refresh tokens and prints them, so the
// refresh_token scenario can rotate them. Each is shaped as Keyward's are after a sign-in
// without offline_access: bound to a session (oidc-provider reads the session on every
// rotation) under its own grant. The memory adapter is per process, so seeds are made only
// when the baseline runs as one process.
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { Redis } from 'ioredis';
import Provider, { type Configuration } from 'oidc-provider';
import { plainRedisAdapter } from './baseline-redis-adapter.js';

const processes = Number(process.env.BENCH_PROCESSES ?? 1);
const port = Number(process.env.PORT);
const seeds = processes === 1 ? Number(process.env.BENCH_REFRESH_SEEDS ?? 0) : 0;
const redisUrl = process.env.BENCH_REDIS_URL;
const AUDIENCE = 'https://api.bench';

async function seedRefreshTokens(provider: Provider, count: number): Promise<string[]> {
  const client = (await provider.Client.find('app'))!;
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const accountId = `user-${i}`;
    const grant = new provider.Grant({ accountId, clientId: 'app' });
    grant.addResourceScope(AUDIENCE, 'invoices:read');
    const grantId = await grant.save();
    const session = new provider.Session();
    session.loginAccount({ accountId });
    session.grantIdFor('app', grantId);
    const sid = randomBytes(16).toString('base64url');
    session.sidFor('app', sid);
    await session.save(3600);
    const token = new provider.RefreshToken({ client, accountId, grantId, gty: 'authorization_code', scope: 'invoices:read', resource: AUDIENCE, expiresWithSession: true, sessionUid: session.uid, sid });
    tokens.push(await token.save());
  }
  return tokens;
}

if (cluster.isPrimary && processes > 1) {
  let ready = 0;
  for (let i = 0; i < processes; i++) cluster.fork().on('message', () => ++ready === processes && console.log('baseline ready {}'));
  process.once('SIGTERM', () => Object.values(cluster.workers ?? {}).forEach((w) => w?.kill('SIGTERM')));
} else {
  // A normal exit, so that --cpu-prof writes its profile.
  process.once('SIGTERM', () => process.exit(0));
  const es = await generateKeyPair('ES256', { extractable: true });
  const rs = await generateKeyPair('RS256', { extractable: true });
  const redis = redisUrl ? new Redis(redisUrl, { keyPrefix: process.env.BENCH_REDIS_PREFIX ?? 'kwbench:bare:' }) : undefined;
  const configuration: Configuration = {
    ...(redis ? { adapter: plainRedisAdapter(redis) } : {}),
    clients: [
      { client_id: 'bench', client_secret: 'bench-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'invoices:read' },
      { client_id: 'app', client_secret: 'app-secret', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: ['https://app.example/cb'], scope: 'invoices:read' },
    ],
    jwks: { keys: [{ ...(await exportJWK(es.privateKey)), alg: 'ES256', use: 'sig' }, { ...(await exportJWK(rs.privateKey)), alg: 'RS256', use: 'sig' }] as never },
    scopes: ['invoices:read'],
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'invoices:read', audience: AUDIENCE, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'ES256' } } }),
      },
    },
  };
  const provider = new Provider(`http://127.0.0.1:${port}`, configuration);
  const refreshTokens = seeds > 0 ? await seedRefreshTokens(provider, seeds) : [];
  provider.listen(port, '127.0.0.1', () => (process.send ? process.send('ready') : console.log(`baseline ready ${JSON.stringify({ refreshTokens })}`)));
}
