import { afterAll, inject } from 'vitest';
import { sqlProtocolStore } from '../../src/adapters/protocol-store.js';
import { TEST_STATE_KEYS } from './adapter-contract.js';
import { SqlAdapter } from '../../src/adapters/sql.js';
import { connectDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { adapterContract } from './adapter-contract.js';

const handle = await connectDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '' });
await migrateToLatest(handle.db);
afterAll(() => handle.close());

adapterContract('SQL on Postgres', (policy) => sqlProtocolStore(handle.db, policy, TEST_STATE_KEYS), {
  async dump() {
    const rows = await handle.db.selectFrom('oidc_payloads').selectAll().execute();
    return JSON.stringify(rows);
  },
  plain: (model, policy) => new SqlAdapter(handle.db, model, policy),
});
