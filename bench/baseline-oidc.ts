// The baseline: a bare oidc-provider of the same version, memory adapter, one static client,
// the same signing algorithm, the same number of processes.
import cluster from 'node:cluster';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const processes = Number(process.env.BENCH_PROCESSES ?? 1);
const port = Number(process.env.PORT);
if (cluster.isPrimary && processes > 1) {
  for (let i = 0; i < processes; i++) cluster.fork();
  process.once('SIGTERM', () => Object.values(cluster.workers ?? {}).forEach((w) => w?.kill('SIGTERM')));
} else {
  const es = await generateKeyPair('ES256', { extractable: true });
  const rs = await generateKeyPair('RS256', { extractable: true });
  const audience = 'https://api.bench';
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [{ client_id: 'bench', client_secret: 'bench-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'invoices:read' }],
    jwks: { keys: [{ ...(await exportJWK(es.privateKey)), alg: 'ES256', use: 'sig' }, { ...(await exportJWK(rs.privateKey)), alg: 'RS256', use: 'sig' }] as never },
    scopes: ['invoices:read'],
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
  provider.listen(port, '127.0.0.1', () => console.log('baseline ready'));
}
