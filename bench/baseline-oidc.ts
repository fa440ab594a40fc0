// The baseline: a bare oidc-provider of the same version, memory adapter, static clients, the
// same signing algorithm, the same number of processes. With BENCH_REFRESH_SEEDS=N it also
// creates N refresh tokens (a grant each, as a code exchange would) and prints them, so the
// refresh_token scenario can rotate them; the memory adapter is per process, so that scenario
// runs against one process only.
import cluster from 'node:cluster';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const processes = Number(process.env.BENCH_PROCESSES ?? 1);
const port = Number(process.env.PORT);
const seeds = Number(process.env.BENCH_REFRESH_SEEDS ?? 0);
if (cluster.isPrimary && processes > 1) {
  for (let i = 0; i < processes; i++) cluster.fork();
  process.once('SIGTERM', () => Object.values(cluster.workers ?? {}).forEach((w) => w?.kill('SIGTERM')));
} else {
  const es = await generateKeyPair('ES256', { extractable: true });
  const rs = await generateKeyPair('RS256', { extractable: true });
  const audience = 'https://api.bench';
  const provider = new Provider(`http://127.0.0.1:${port}`, {
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
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'invoices:read', audience, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'ES256' } } }),
      },
    },
  });
  const refreshTokens: string[] = [];
  if (seeds > 0) {
    const client = (await provider.Client.find('app'))!;
    for (let i = 0; i < seeds; i++) {
      const grant = new provider.Grant({ accountId: `user-${i}`, clientId: 'app' });
      grant.addResourceScope(audience, 'invoices:read');
      const grantId = await grant.save();
      const token = new provider.RefreshToken({ client, accountId: `user-${i}`, grantId, gty: 'authorization_code', scope: 'invoices:read', resource: audience });
      refreshTokens.push(await token.save());
    }
  }
  provider.listen(port, '127.0.0.1', () => console.log(`baseline ready ${JSON.stringify({ refreshTokens })}`));
}
