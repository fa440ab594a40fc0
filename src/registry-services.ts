// The registry half of the composition root: what the CLI needs (database, keyring, client
// registry) without loading the protocol server.
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { connectDatabase, type DatabaseHandle } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { createKeyring, type Keyring } from './crypto/keyring.js';
import { resolveSecret } from './secret-file.js';
import { ClientRegistry } from './clients/registry.js';
import type { ScopeCatalog } from './clients/repository.js';
import { DEFAULT_RESOURCES, MANAGEMENT_SCOPES, PRODUCT_SCOPES } from './scopes/catalog.js';
import type { ScopeVocabulary } from './scopes/scope.js';
import type { KeyService } from './api-keys/service.js';

/** What the CLI and the management layer need: the registry, without the protocol server. */
export interface RegistryServices {
  /** The running server's key service (with its invalidation bus); the CLI builds its own. */
  keys?: KeyService;
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  keyring: Keyring;
  registry: ClientRegistry;
  catalog: ScopeCatalog;
  close(): Promise<void>;
}

export const SCOPE_CATALOG: ScopeCatalog = {
  all: [...PRODUCT_SCOPES, ...MANAGEMENT_SCOPES],
  defaults: PRODUCT_SCOPES,
};

export const SCOPE_VOCABULARY: ScopeVocabulary = { resources: DEFAULT_RESOURCES };

export async function buildRegistryServices(config: Config, logger: Logger): Promise<RegistryServices> {
  const keyring = createKeyring(resolveSecret(config.secret, config.dataDir));
  const database = await connectDatabase(config);
  try {
    await migrateToLatest(database.db);
  } catch (err) {
    await database.close();
    throw err;
  }
  return {
    config,
    logger,
    database,
    keyring,
    registry: new ClientRegistry(database.db, keyring.pepper),
    catalog: SCOPE_CATALOG,
    close: () => database.close(),
  };
}
