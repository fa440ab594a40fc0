// The test run's database, migrated, with an organization of the file's own: for tests of the
// registry's parts without a server. Connected before the file's tests, closed after them.
import { afterAll, beforeAll, inject } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createOrganization } from '../../src/organizations/repository.js';

export interface RegistryDatabase {
  handle: DatabaseHandle;
  organizationId: string;
}

export function registryDatabase(organizationName: string): RegistryDatabase {
  const database = {} as RegistryDatabase;
  beforeAll(async () => {
    database.handle = await connectDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '' });
    await migrateToLatest(database.handle.db);
    database.organizationId = (await createOrganization(database.handle.db, { name: organizationName, plan: 'free' })).id;
  });
  afterAll(() => database.handle?.close());
  return database;
}
