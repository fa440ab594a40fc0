// oidc-provider's findAccount (src/grants/accounts.ts) on a database that does not answer: the
// token endpoint must answer 503 as for every store outage, never a 500 (checklist G54).
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Database } from '../../src/db/schema.js';
import { findAccount } from '../../src/grants/accounts.js';
import { PolicyLookups } from '../../src/policy/lookups.js';
import { StorageUnavailableError } from '../../src/lib/errors.js';

describe('findAccount without a database', () => {
  it('throws a StorageUnavailableError for a user it has not cached', async () => {
    // Port 1 refuses at once.
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1, connectionTimeoutMillis: 2000 });
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      const find = findAccount(db, async () => undefined, new PolicyLookups(db, {}));
      await expect(find({} as KoaContextWithOIDC, 'usr_nobody')).rejects.toBeInstanceOf(StorageUnavailableError);
    } finally {
      await db.destroy();
    }
  });
});
