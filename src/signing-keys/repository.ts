import { sql, type Kysely } from 'kysely';
import type { JWK } from 'jose';
import type { SigningAlg } from '../config/config.js';
import type { Database } from '../db/schema.js';
import { generateSigningKey } from './generate.js';
import { seal, unseal } from '../crypto/seal.js';

export interface SigningKey {
  kid: string;
  alg: string;
  privateJwk: JWK;
  activeFrom: Date;
  retiredAt: Date | null;
}

/** Generates a key, seals its private part and stores it, signing `delaySeconds` from now. */
async function insertNewKey(trx: Kysely<Database>, sealingKey: Buffer, alg: SigningAlg, delaySeconds: number) {
  const key = await generateSigningKey(alg);
  return trx
    .insertInto('signing_keys')
    .values({
      kid: key.kid,
      alg,
      public_jwk: JSON.stringify(key.publicJwk),
      private_jwk_sealed: seal(sealingKey, JSON.stringify(key.privateJwk), key.kid),
      active_from: sql<Date>`now() + make_interval(secs => ${delaySeconds})`,
    })
    .returning(['kid', 'alg', 'active_from'])
    .executeTakeFirstOrThrow();
}

/**
 * Makes sure every algorithm Keyward signs with has an active key, generating the missing ones.
 * An advisory lock makes replicas that start together agree on one key per algorithm.
 */
export async function ensureSigningKeys(
  db: Kysely<Database>,
  sealingKey: Buffer,
  algs: readonly SigningAlg[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('keyward.signing_keys'))`.execute(trx);
    const active = await trx
      .selectFrom('signing_keys')
      .select('alg')
      // Signing now, or about to (a rotation in propagation): either way the algorithm is covered.
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', sql<Date>`now()`)]))
      .execute();
    const have = new Set(active.map((k) => k.alg));
    for (const alg of algs) {
      if (have.has(alg)) continue;
      await insertNewKey(trx, sealingKey, alg, 0);
    }
  });
}

/**
 * Rotation: for each algorithm a new key, published now and signing from now + propagation;
 * the keys it replaces stop signing at that moment and stay published until their tokens expire.
 */
export async function rotateSigningKeys(
  db: Kysely<Database>,
  sealingKey: Buffer,
  algs: readonly SigningAlg[],
  propagationSeconds: number,
): Promise<Array<{ kid: string; alg: string; activeFrom: Date }>> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('keyward.signing_keys'))`.execute(trx);
    return insertRotation(trx, sealingKey, algs, propagationSeconds);
  });
}

/** The rotation itself; the caller holds the signing-keys lock inside a transaction. */
async function insertRotation(
  trx: Kysely<Database>,
  sealingKey: Buffer,
  algs: readonly SigningAlg[],
  propagationSeconds: number,
): Promise<Array<{ kid: string; alg: string; activeFrom: Date }>> {
  const rotated: Array<{ kid: string; alg: string; activeFrom: Date }> = [];
  for (const alg of algs) {
    const row = await insertNewKey(trx, sealingKey, alg, propagationSeconds);
    await trx
      .updateTable('signing_keys')
      .set({ retired_at: row.active_from })
      .where('alg', '=', alg)
      .where('kid', '!=', row.kid)
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', row.active_from)]))
      .execute();
    rotated.push({ kid: row.kid, alg: row.alg, activeFrom: row.active_from });
  }
  return rotated;
}

/**
 * Automatic rotation (SIGNING_KEY_ROTATION_DAYS): rotates when the newest key is older than
 * the period. The check runs again under the lock, so replicas polling together rotate once.
 */
export async function rotateSigningKeysIfDue(
  db: Kysely<Database>,
  sealingKey: Buffer,
  algs: readonly SigningAlg[],
  propagationSeconds: number,
  maxAgeDays: number,
): Promise<boolean> {
  const newest = () =>
    db.selectFrom('signing_keys').select((eb) => eb.fn.max('created_at').as('at')).executeTakeFirst();
  const due = (at: Date | null | undefined) => !at || at.getTime() < Date.now() - maxAgeDays * 86_400_000;
  if (!due((await newest())?.at)) return false;
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('keyward.signing_keys'))`.execute(trx);
    const latest = await trx.selectFrom('signing_keys').select((eb) => eb.fn.max('created_at').as('at')).executeTakeFirst();
    if (!due(latest?.at)) return false;
    await insertRotation(trx, sealingKey, algs, propagationSeconds);
    return true;
  });
}

export async function listSigningKeys(db: Kysely<Database>) {
  return db.selectFrom('signing_keys').select(['kid', 'alg', 'active_from', 'retired_at', 'created_at']).orderBy('created_at', 'desc').execute();
}

/** Keys to publish, newest active first per algorithm (oidc-provider signs with the first match). */
export async function loadSigningKeys(
  db: Kysely<Database>,
  sealingKey: Buffer,
  publishRetiredFor: number,
): Promise<SigningKey[]> {
  const rows = await db
    .selectFrom('signing_keys')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('retired_at', 'is', null),
        eb('retired_at', '>', sql<Date>`now() - make_interval(secs => ${publishRetiredFor})`),
      ]),
    )
    .orderBy('active_from', 'desc')
    .execute();
  return rows.map((row) => ({
    kid: row.kid,
    alg: row.alg,
    privateJwk: JSON.parse(unseal(sealingKey, row.private_jwk_sealed, row.kid)) as JWK,
    activeFrom: row.active_from,
    retiredAt: row.retired_at,
  }));
}
