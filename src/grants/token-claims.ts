// extraTokenClaims: stamps organizationId into every access token (README, "Endpoints"). A token
// issued under a grant is also filed, so introspection can tell whether its grant still lives
// (see grants/records.ts). Client-credentials tokens have no grant: they are not filed (a
// Redis write per token measured a quarter of the token endpoint's throughput), and revoking
// one records a denial instead.
import { errors, type KoaContextWithOIDC, type AccessToken, type ClientCredentials } from 'oidc-provider';
import type { ClientRegistry } from '../clients/registry.js';
import type { GrantOrganization, ProtocolRecords } from './records.js';
import type { ProtocolStore } from '../adapters/protocol-store.js';

/** Keyward's claim in every access token: the organization it acts for. */
export function organizationClaim(organizationId: string): { organizationId: string } {
  return { organizationId };
}

export function extraTokenClaims(registry: ClientRegistry, records: ProtocolRecords, grantOrganization: GrantOrganization, store: ProtocolStore, grantTtl: number) {
  return async (ctx: KoaContextWithOIDC, token: AccessToken | ClientCredentials) => {
    const { clientId, jti } = token;
    if (!clientId || !jti) throw new TypeError('access token without client or jti');
    const grantId = 'grantId' in token ? token.grantId : undefined;
    let organizationId: string | undefined;
    if (grantId) {
      organizationId = await grantOrganization(ctx, grantId);
    } else {
      // Nothing is written for these tokens, but one that could not be revoked is not issued
      // while the store is away either: fail closed, as every other grant does.
      store.assertAvailable();
      // Client credentials act for the organization that owns the client.
      organizationId = (await registry.find(clientId))?.organization_id;
    }
    if (!organizationId) throw new errors.InvalidGrant('the grant is not bound to an organization');
    if (grantId) {
      await records.recordIssuedAccessToken(jti, { clientId, organizationId, grantId }, token.expiration);
      // "Last used" on the dashboard's connected apps.
      await records.recordGrantUse(grantId, grantTtl);
    }
    return organizationClaim(organizationId);
  };
}
