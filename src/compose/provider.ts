// oidc-provider on the signing keys in Postgres, rebuilt whenever they change (a rotation on
// any replica, or by the CLI).
import type { Config } from '../config/config.js';
import { signingAlgs } from '../signing-keys/generate.js';
import type { ProtocolStore } from '../adapters/protocol-store.js';
import { grantOrganizationPerRequest, type ProtocolRecords } from '../grants/records.js';
import { findAccount } from '../grants/accounts.js';
import { loadExistingGrant } from '../grants/existing-grant.js';
import { ensureSigningKeys, loadSigningKeys, rotateSigningKeysIfDue } from '../signing-keys/repository.js';
import { startKeyReloader } from '../signing-keys/reloader.js';
import { buildKeySet, type KeySet } from '../signing-keys/key-set.js';
import { createProvider } from '../oauth/provider/create.js';
import { resourceIndicatorHooks } from '../oauth/provider/resources.js';
import type { PolicyLookups } from '../policy/lookups.js';
import { KNOWN_SCOPES } from '../scopes/catalog.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RegistryServices } from './registry.js';
import type { Closer } from './closers.js';


/** Signing keys from Postgres and the oidc-provider built on them, rebuilt when they change. */
export async function startProvider(
  config: Config,
  base: RegistryServices,
  state: { store: ProtocolStore; records: ProtocolRecords },
  lookups: PolicyLookups,
  metrics: Metrics,
  closers: Closer[],
) {
  const { db } = base.database;
  await ensureSigningKeys(db, base.keyring.sealingKey, signingAlgs(config.accessTokenAlg));
  // Tokens signed by a retired key stay verifiable until they expire.
  const publishRetiredFor = config.accessTokenTtl + 60;
  const initialKeys = await loadSigningKeys(db, base.keyring.sealingKey, publishRetiredFor);
  const grantOrganization = grantOrganizationPerRequest(state.records);
  // One per process, not per provider build: the token endpoint's refresh fast path asks it too.
  const accounts = findAccount(db, grantOrganization, lookups);
  const makeProvider = (keys: KeySet) =>
    createProvider({
      config,
      store: state.store,
      registry: base.registry,
      records: state.records,
      grantOrganization,
      keySet: keys,
      cookieKeys: base.keyring.cookieKeys,
      scopes: KNOWN_SCOPES,
      resourceIndicators: resourceIndicatorHooks({ config, lookups, grantOrganization, knownScopes: KNOWN_SCOPES }),
      findAccount: accounts,
      loadExistingGrant: loadExistingGrant(db, state.records),
      logger: base.logger,
      metrics,
    });
  let keySet = buildKeySet(initialKeys);
  let provider = makeProvider(keySet);
  const reloader = startKeyReloader({
    db,
    sealingKey: base.keyring.sealingKey,
    publishRetiredFor,
    initial: initialKeys,
    logger: base.logger,
    ...(config.signingKeyRotationDays > 0
      ? {
          rotateIfDue: () =>
            rotateSigningKeysIfDue(db, base.keyring.sealingKey, signingAlgs(config.accessTokenAlg), config.signingKeyPropagation, config.signingKeyRotationDays),
        }
      : {}),
    onChange: (next) => {
      keySet = next;
      provider = makeProvider(next);
    },
  });
  closers.unshift(() => reloader.stop());
  return { provider: () => provider, keySet: () => keySet, reload: () => reloader.reload(), findAccount: accounts, grantOrganization };
}
