import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { ensurePrivateDir } from './private-dir.js';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export interface DatabaseTarget {
  databaseUrl: string | undefined;
  dataDir: string;
}

// timestamptz and jsonb come back as Date and objects from both drivers; bigint (count(*))
// as a number rather than a string, since no count Keyward makes nears 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** `announce` hears what a slow first start is doing, so it does not look hung. */
export async function connectDatabase(target: DatabaseTarget, announce: (message: string) => void = () => {}): Promise<DatabaseHandle> {
  if (target.databaseUrl) {
    const pool = new pg.Pool({ connectionString: target.databaseUrl, max: 10 });
    // An idle client losing its server emits 'error' on the pool; without a listener that
    // would crash the process. Queries still fail and readiness reports it.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  return connectEmbedded(target.dataDir, announce);
}

async function connectEmbedded(dataDir: string, announce: (message: string) => void): Promise<DatabaseHandle> {
  ensurePrivateDir(dataDir);
  const release = acquireDataDirLock(dataDir);
  try {
    // Loaded lazily: a deployment on Postgres never pays for the WASM module.
    const [{ PGlite }, { PGliteDialect }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('kysely-pglite-dialect'),
    ]);
    const folder = join(dataDir, 'pgdata');
    if (!existsSync(folder)) announce(`creating the embedded database in ${folder} (first start only; up to a minute on a busy machine)`);
    const pglite = await PGlite.create(folder);
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    return {
      db,
      kind: 'pglite',
      close: async () => {
        try {
          await db.destroy();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
