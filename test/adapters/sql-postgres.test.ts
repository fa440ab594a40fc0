import { afterAll, inject } from 'vitest';
import { sqlProtocolStore } from '../../src/adapters/protocol-store.js';
import { connectDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { adapterContract } from './adapter-contract.js';

const handle = await connectDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '' });
await migrateToLatest(handle.db);
afterAll(() => handle.close());

adapterContract('SQL on Postgres', (policy) => sqlProtocolStore(handle.db, policy));
