// The composition root: everything is built here, once, and handed down as arguments. The
// registry half (compose/registry.ts) is what the CLI also uses; the rest is the server's.
import type { Cluster, Redis } from 'ioredis';
import type Provider from 'oidc-provider';
import type { Config } from '../config/config.js';
import type { Logger } from '../lib/logger.js';
import type { ProtocolStore } from '../adapters/protocol-store.js';
import type { ProtocolRecords } from '../grants/records.js';
import type { KeySet } from '../signing-keys/key-set.js';
import type { ApiKeyVerifier } from '../api-keys/verifier.js';
import type { InvalidationBus } from '../feed/bus.js';
import type { PolicyLookups } from '../policy/lookups.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import type { Served } from '../server/start.js';
import { buildRegistryServices, type RegistryServices } from './registry.js';
import type { Closer } from './closers.js';
import { buildProtocolState } from './protocol-state.js';
import { buildRevocationFeed } from './revocation-feed.js';
import { startProvider } from './provider.js';
import { buildHttp } from './http.js';

/** Everything the server runs on; tests reach into it to arrange and observe. */
export interface Services extends RegistryServices, Omit<Served, 'config' | 'close'> {
  redis: Redis | Cluster | undefined;
  store: ProtocolStore;
  records: ProtocolRecords;
  provider: () => Provider;
  keySet: () => KeySet;
  keyVerifier: ApiKeyVerifier;
  /** Plans and roles as the policy sees them, kept live by the revocation feed. */
  lookups: PolicyLookups;
  metrics: Metrics;
  /** Re-reads the signing keys now (otherwise every 5 s). */
  reloadSigningKeys(): Promise<void>;
  /** Writes pending last_used_at times now (otherwise every 10 s). */
  flushKeyUsage(): Promise<void>;
}

export async function buildServices(config: Config, logger: Logger): Promise<Services> {
  // The registry's services announce changes on the revocation feed, built below.
  let feed: InvalidationBus | undefined;
  const base = await buildRegistryServices(config, logger, () => feed);
  const closers: Closer[] = [base.close];
  try {
    const metrics = createMetrics();
    const { redis, store, records } = await buildProtocolState(config, base.database.db, base.keyring.protocolState, logger, closers);
    const revocations = await buildRevocationFeed(config, base, redis, metrics, closers);
    feed = revocations.feed;
    const { lookups, verifier: keyVerifier } = revocations;
    const oauth = await startProvider(config, base, { store, records }, lookups, metrics, closers);
    const parts = { redis, store, records, provider: oauth.provider, keySet: oauth.keySet, keyVerifier, lookups, metrics };
    const http = buildHttp({ ...parts, base, findAccount: oauth.findAccount, grantOrganization: oauth.grantOrganization });
    return {
      ...base,
      ...http,
      ...parts,
      flushKeyUsage: revocations.flushUsage,
      reloadSigningKeys: oauth.reload,
      close: async () => {
        for (const close of closers) await close();
      },
    };
  } catch (err) {
    for (const close of closers) await close();
    throw err;
  }
}
