// Keyward's own dashboard signs people in as oidc-provider's one static client, so that it uses
// the same login pages and the same session as every consent flow. Its grant is implicit (the
// user is signing in to Keyward itself, not handing access to anyone): openid only, no
// organization, no consent page. It never gets a token: the dashboard discards its codes
// (dashboard/sign-in.ts), and a grant without an organization is refused at the token endpoint.
import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';

export const DASHBOARD_CLIENT_ID = 'keyward-dashboard';
export const DASHBOARD_CALLBACK_PATH = '/dashboard/callback';

/** How long a dashboard grant is kept: long enough to finish signing in, as its codes are never exchanged. */
export const DASHBOARD_GRANT_TTL = 600;

/**
 * The dashboard's implicit grant (openid, no organization): the session's own while it lives,
 * else a new one. Also what the consent step finishes with if the dashboard is ever asked for
 * consent (prompt=consent): it is never recorded for an organization.
 */
export async function dashboardGrant(provider: Provider, accountId: string, sessionGrantId: string | undefined): Promise<InstanceType<Provider['Grant']>> {
  const existing = sessionGrantId ? await provider.Grant.find(sessionGrantId) : undefined;
  if (existing && existing.accountId === accountId && existing.clientId === DASHBOARD_CLIENT_ID) return existing;
  const grant = new provider.Grant({ accountId, clientId: DASHBOARD_CLIENT_ID });
  grant.addOIDCScope('openid');
  await grant.save(); // for DASHBOARD_GRANT_TTL (oauth/provider/lifetimes.ts)
  return grant;
}

export function dashboardClientMetadata(issuer: string): ClientMetadata {
  return {
    client_id: DASHBOARD_CLIENT_ID,
    client_name: 'Keyward dashboard',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}${DASHBOARD_CALLBACK_PATH}`],
    scope: 'openid',
  };
}
