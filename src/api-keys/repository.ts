import { sql, type Kysely, type Selectable } from 'kysely';
import type { ApiKeyMode, ApiKeyType, ApiKeysTable, Database } from '../db/schema.js';
import { randomId } from '../crypto/random.js';
import { hashCredential } from '../crypto/keyring.js';
import { generateApiKey, type KeyLabels } from './format.js';
import { storable } from '../db/nul-characters.js';
import { olderThan } from '../db/newest-first.js';

export type ApiKeyRecord = Selectable<ApiKeysTable>;

export interface NewApiKey {
  organizationId: string;
  name: string;
  type: ApiKeyType;
  mode: ApiKeyMode;
  scopes: string[];
  ipAllowlist: string[];
  allowedOrigins: string[];
  expiresAt: Date | null;
  createdBy: string;
}

export interface KeyMaterial {
  pepper: Buffer;
  labels: KeyLabels;
}

/** Inserts a key; the raw key is returned to show once and is never stored. */
export async function insertApiKey(db: Kysely<Database>, material: KeyMaterial, input: NewApiKey) {
  const { key, prefix, last4 } = generateApiKey(material.labels, input.type, input.mode);
  const record = await db
    .insertInto('api_keys')
    .values({
      id: randomId('key'),
      organization_id: input.organizationId,
      name: input.name,
      type: input.type,
      mode: input.mode,
      key_hash: hashCredential(material.pepper, key),
      key_prefix: prefix,
      last4,
      scopes: JSON.stringify(input.scopes),
      ip_allowlist: JSON.stringify(input.ipAllowlist),
      allowed_origins: JSON.stringify(input.allowedOrigins),
      created_by: input.createdBy,
      expires_at: input.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { record, key };
}

export async function findApiKeyByHash(db: Kysely<Database>, hash: string): Promise<ApiKeyRecord | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst();
}

/** The keys among `hashes` that exist, in one query (the verifier's batched re-read). */
export async function findApiKeysByHashes(db: Kysely<Database>, hashes: readonly string[]): Promise<ApiKeyRecord[]> {
  return hashes.length ? db.selectFrom('api_keys').selectAll().where('key_hash', 'in', hashes).execute() : [];
}

/** Scoped to the organization: another organization's key reads as absent. */
export async function findApiKey(db: Kysely<Database>, organizationId: string, id: string): Promise<ApiKeyRecord | undefined> {
  if (!storable(id)) return undefined;
  return db.selectFrom('api_keys').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
}

export async function listApiKeys(
  db: Kysely<Database>,
  organizationId: string,
  page: { limit: number; startingAfter?: string | undefined },
): Promise<{ data: ApiKeyRecord[]; hasMore: boolean }> {
  let query = db.selectFrom('api_keys').selectAll().where('organization_id', '=', organizationId);
  if (page.startingAfter) query = query.where(olderThan({ table: 'api_keys', id: 'id' }, organizationId, page.startingAfter));
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
  return { data: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

/** Idempotent: an already revoked key keeps its first revocation time. */
export async function revokeApiKey(db: Kysely<Database>, organizationId: string, id: string): Promise<ApiKeyRecord | undefined> {
  if (!storable(id)) return undefined;
  await db
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`now()` })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', sql<Date>`now()`)]))
    .execute();
  return findApiKey(db, organizationId, id);
}

/**
 * A new key with the old one's settings; the old one is revoked now, or at the end of the
 * grace period (its revoked_at is then in the future).
 */
export async function rotateApiKey(
  db: Kysely<Database>,
  material: KeyMaterial,
  old: ApiKeyRecord,
  graceSeconds: number,
  createdBy: string,
) {
  return db.transaction().execute(async (trx) => {
    const rotated = await insertApiKey(trx, material, {
      organizationId: old.organization_id,
      name: old.name,
      type: old.type,
      mode: old.mode,
      scopes: old.scopes,
      ipAllowlist: old.ip_allowlist,
      allowedOrigins: old.allowed_origins,
      expiresAt: old.expires_at,
      createdBy,
    });
    const previous = await trx
      .updateTable('api_keys')
      .set({ revoked_at: sql<Date>`now() + make_interval(secs => ${graceSeconds})` })
      .where('id', '=', old.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ...rotated, previous };
  });
}

/** Batched last_used_at: one statement for many keys, never moving a time backwards. */
export async function touchApiKeys(db: Kysely<Database>, usage: Map<string, Date>): Promise<void> {
  if (usage.size === 0) return;
  const rows = [...usage].map(([id, at]) => sql`(${id}, ${at.toISOString()}::timestamptz)`);
  await sql`
    update api_keys set last_used_at = v.at
    from (values ${sql.join(rows)}) as v(id, at)
    where api_keys.id = v.id and (api_keys.last_used_at is null or api_keys.last_used_at < v.at)`.execute(db);
}

/** Operator lookup (CLI): any organization. */
export async function findApiKeyById(db: Kysely<Database>, id: string): Promise<ApiKeyRecord | undefined> {
  if (!storable(id)) return undefined;
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}
