// Keyward's own dashboard signs people in as oidc-provider's one static client, so that it uses
// the same login pages and the same session as every consent flow. Its grant is implicit (the
// user is signing in to Keyward itself, not handing access to anyone): openid only, no
// organization, no consent page. It never gets a token: the dashboard discards its codes
// (dashboard/sign-in.ts), and a grant without an organization is refused at the token endpoint.
import type { ClientMetadata } from 'oidc-provider';

export const DASHBOARD_CLIENT_ID = 'keyward-dashboard';
export const DASHBOARD_CALLBACK_PATH = '/dashboard/callback';

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
