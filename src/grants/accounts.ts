// oidc-provider's findAccount: accounts are Keyward users. When a token bound to a grant is
// used (code exchange, refresh), the user must still belong to the grant's organization now
// (policy/lookups.ts): a user removed from an organization can no longer refresh tokens for it,
// nor after being added again.
import type { Kysely } from 'kysely';
import type { FindAccount } from 'oidc-provider';
import type { Database } from '../db/schema.js';
import { findUser } from '../users/repository.js';
import type { PolicyLookups } from '../policy/lookups.js';
import type { GrantOrganization } from './records.js';

export function findAccount(db: Kysely<Database>, grantOrganization: GrantOrganization, lookups: PolicyLookups): FindAccount {
  return async (ctx, sub, token) => {
    const user = await findUser(db, sub);
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
