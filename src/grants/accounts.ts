// oidc-provider's findAccount: accounts are Keyward users. When a token bound to a grant is
// used (code exchange, refresh), the user must still belong to the grant's organization now
// (policy/lookups.ts): a user removed from an organization can no longer refresh tokens for it,
// nor after being added again.
import type { Kysely } from 'kysely';
import type { FindAccount } from 'oidc-provider';
import type { Database } from '../db/schema.js';
import { findUser } from '../users/repository.js';
import { StorageUnavailableError } from '../lib/errors.js';
import type { PolicyLookups } from '../policy/lookups.js';
import type { GrantOrganization } from './records.js';

// A user's id and email never change once created, so each process keeps them briefly and a
// refresh does not query Postgres for them; what does change, the membership, is asked of the
// policy's live lookups on every use below.
const USER_TTL_MS = 60_000;
const USERS_MAX = 50_000;

function cachedUsers(db: Kysely<Database>) {
  const users = new Map<string, { user: { id: string; email: string }; expires: number }>();
  return async (id: string) => {
    const hit = users.get(id);
    if (hit && hit.expires > Date.now()) return hit.user;
    // An outage is the database's, answered 503 like every other store failure (checklist G54).
    const row = await findUser(db, id).catch((err: unknown) => {
      throw new StorageUnavailableError('database', { cause: err });
    });
    if (!row) return undefined;
    const user = { id: row.id, email: row.email };
    if (users.size >= USERS_MAX) users.delete(users.keys().next().value!);
    users.set(id, { user, expires: Date.now() + USER_TTL_MS });
    return user;
  };
}

export function findAccount(db: Kysely<Database>, grantOrganization: GrantOrganization, lookups: PolicyLookups): FindAccount {
  const userById = cachedUsers(db);
  return async (ctx, sub, token) => {
    const user = await userById(sub);
    if (!user) return undefined;
    const grantId = token && 'grantId' in token ? token.grantId : undefined;
    if (grantId) {
      const organizationId = await grantOrganization(ctx, grantId);
      // The refresh chain's first issue (a code's own): it must not predate the membership.
      const issuedAt = token && 'iiat' in token && typeof token.iiat === 'number' ? token.iiat : token?.iat;
      if (!organizationId || !(await lookups.roleOf(user.id, organizationId, issuedAt))) return undefined;
    }
    return { accountId: user.id, claims: () => ({ sub: user.id, email: user.email }) };
  };
}
