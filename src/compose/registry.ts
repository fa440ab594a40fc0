// The registry half of the composition root: what the CLI needs (database, keyring, client
// registry) without loading the protocol server.
import type { Config } from '../config/config.js';
import type { Logger } from '../lib/logger.js';
import { connectDatabase, type DatabaseHandle } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { createKeyring, type Keyring } from '../crypto/keyring.js';
import { resolveSecret } from '../crypto/secret-file.js';
import { ClientRegistry } from '../clients/registry.js';
import { KNOWN_SCOPES, SCOPE_VOCABULARY } from '../scopes/catalog.js';
import { keyService, type KeyService } from '../api-keys/service.js';
import { clientService, type ClientService } from '../clients/service.js';
import { memberService, type MemberService } from '../members/service.js';
import type { InvalidationPublisher } from '../feed/bus.js';
import { cliInvalidationBus } from '../feed/cli-publisher.js';

/** What the CLI and the management layer need: the registry, without the protocol server. */
export interface RegistryServices {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  keyring: Keyring;
  registry: ClientRegistry;
  /** The rules of keys, clients and members, shared by the management API and the CLI. */
  keys: KeyService;
  clients: ClientService;
  members: MemberService;
  /** Announces revocations and policy changes to every replica (feed/bus.ts). */
  feed: () => InvalidationPublisher | undefined;
  close(): Promise<void>;
}

/**
 * `feed`: the server's revocation feed (built later, hence a function); the CLI's publishes
 * over Redis when there is one.
 */
export async function buildRegistryServices(
  config: Config,
  logger: Logger,
  feed: () => InvalidationPublisher | undefined = () => cliInvalidationBus(config),
): Promise<RegistryServices> {
  const keyring = createKeyring(resolveSecret(config.secret, config.dataDir));
  const database = await connectDatabase(config, (message) => logger.info(message));
  try {
    await migrateToLatest(database.db);
  } catch (err) {
    await database.close();
    throw err;
  }
  const { db } = database;
  const registry = new ClientRegistry(db, keyring.pepper);
  return {
    config,
    logger,
    database,
    keyring,
    registry,
    keys: keyService({
      db,
      material: { pepper: keyring.pepper, labels: config.apiKeyLabels },
      plans: config.plans,
      vocabulary: SCOPE_VOCABULARY,
      publicScopes: config.publicScopes,
      bus: feed,
    }),
    clients: clientService({ db, pepper: keyring.pepper, plans: config.plans, vocabulary: SCOPE_VOCABULARY, knownScopes: KNOWN_SCOPES, registry, feed }),
    members: memberService({ db, feed }),
    feed,
    close: () => database.close(),
  };
}
