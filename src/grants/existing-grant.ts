// loadExistingGrant decides whether an authorization needs the consent interaction.
// oidc-provider's default reuses the session's last grant for the app, whichever organization
// it was for. Keyward's grants are per organization, so:
//  - right after our consent interaction, its grant;
//  - prompt=none, where no page may be shown: the session's last grant for the app;
//  - a user in exactly one organization: the grant for that organization, if any;
//  - a user in several: none, so the organization picker is shown (consent itself is then
//    skipped when the chosen organization's grant already covers the request);
//  - Keyward's own dashboard: openid, granted by signing in (grants/dashboard-client.ts).
import type { Kysely } from 'kysely';
import type { Configuration, Grant, KoaContextWithOIDC } from 'oidc-provider';
import type { Database } from '../db/schema.js';
import { organizationsOfUser } from '../users/repository.js';
import type { ProtocolRecords } from './records.js';
import { DASHBOARD_CLIENT_ID, dashboardGrant } from './dashboard-client.js';

export function loadExistingGrant(db: Kysely<Database>, records: ProtocolRecords): NonNullable<Configuration['loadExistingGrant']> {
  return async (ctx: KoaContextWithOIDC): Promise<Grant | undefined> => {
    const { oidc } = ctx;
    const clientId = oidc.client?.clientId;
    const accountId = oidc.session?.accountId;
    if (!clientId || !accountId) return undefined;
    if (clientId === DASHBOARD_CLIENT_ID) return dashboardGrant(oidc.provider, accountId, oidc.session?.grantIdFor(clientId));
    let grantId: string | undefined = oidc.result?.consent?.grantId;
    if (!grantId && oidc.prompts.has('none')) grantId = oidc.session?.grantIdFor(clientId);
    if (!grantId) {
      const organizations = await organizationsOfUser(db, accountId);
      if (organizations.length === 1) grantId = await records.appGrant(accountId, clientId, organizations[0]!.id);
    }
    return grantId ? oidc.provider.Grant.find(grantId) : undefined;
  };
}
