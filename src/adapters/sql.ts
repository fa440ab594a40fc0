// oidc-provider adapter on the registry database (Postgres or PGlite): the embedded mode's
// protocol state when REDIS_URL is unset. Same contract as the Redis adapter, one table.
import { sql, type Kysely } from 'kysely';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Database } from '../db/schema.js';
import { assertConsumedOnce, reportedConsumed, type ConsumptionPolicy } from './consumption.js';
import { storable, unstorablePath } from '../db/nul-characters.js';

const live = sql<boolean>`(expires_at is null or expires_at > now())`;

export class SqlAdapter implements Adapter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly model: string,
    private readonly policy: ConsumptionPolicy,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    // A NUL byte in a request parameter (a form body oidc-provider keeps) is the client's fault,
    // not an outage: 400 invalid_request.
    if (unstorablePath(payload) || !storable(id)) throw new errors.InvalidRequest('parameters must not contain a NUL character');
    const row = {
      payload: JSON.stringify(payload),
      grant_id: payload.grantId ?? null,
      uid: payload.uid ?? null,
      user_code: payload.userCode ?? null,
      consumed_at: null,
      expires_at: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
    };
    await this.db
      .insertInto('oidc_payloads')
      .values({ model: this.model, id, ...row })
      .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(row))
      .execute();
  }

  private async findWhere(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    if (!storable(value)) return undefined;
    const row = await this.db
      .selectFrom('oidc_payloads')
      .select(['payload', 'consumed_at'])
      .where('model', '=', this.model)
      .where(column, '=', value)
      .where(live)
      .executeTakeFirst();
    if (!row) return undefined;
    const payload = row.payload as AdapterPayload;
    const consumed = reportedConsumed(this.model, row.consumed_at?.getTime() ?? null, this.policy);
    return consumed === undefined ? payload : { ...payload, consumed };
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('id', id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('user_code', userCode);
  }

  async consume(id: string): Promise<void> {
    if (!storable(id)) return assertConsumedOnce(this.model, 'missing', this.policy);
    // The conditional UPDATE is the compare-and-set: under concurrency Postgres re-checks
    // `consumed_at is null` after waiting for the row, so exactly one caller wins.
    const won = await this.db
      .updateTable('oidc_payloads')
      .set({ consumed_at: sql<Date>`now()` })
      .where('model', '=', this.model)
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .where(live)
      .executeTakeFirst();
    if (Number(won.numUpdatedRows) === 1) return;
    const row = await this.db
      .selectFrom('oidc_payloads')
      .select('consumed_at')
      .where('model', '=', this.model)
      .where('id', '=', id)
      .where(live)
      .executeTakeFirst();
    assertConsumedOnce(this.model, row?.consumed_at ? row.consumed_at.getTime() : 'missing', this.policy);
  }

  async destroy(id: string): Promise<void> {
    if (!storable(id)) return;
    await this.db.deleteFrom('oidc_payloads').where('model', '=', this.model).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    if (!storable(grantId)) return;
    await this.db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
  }
}

/** Expired rows are invisible to find(); this reclaims their space. */
export async function sweepExpiredPayloads(db: Kysely<Database>): Promise<number> {
  const result = await db.deleteFrom('oidc_payloads').where('expires_at', '<=', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
