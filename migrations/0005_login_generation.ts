import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Part of every login-failure counter's key: `keyward user unlock` (or a new password) moves the
  // account to fresh counters, in every storage mode, without finding the old ones.
  await db.schema.alterTable('users').addColumn('login_generation', 'integer', (c) => c.notNull().defaultTo(sql`0`)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('login_generation').execute();
}
