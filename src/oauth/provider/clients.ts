// How oidc-provider treats clients (the registry supplies them: clients/registry.ts): their
// defaults, the authentication methods and algorithms allowed, the organization each belongs to,
// and which browsers may call the token endpoint.
import { errors, type Configuration } from 'oidc-provider';
import { DASHBOARD_CLIENT_ID, dashboardClientMetadata } from '../../grants/dashboard-client.js';

function originOf(uri: string): string | undefined {
  try {
    return new URL(uri).origin;
  } catch {
    return undefined;
  }
}

export function clientConfiguration(issuer: string): Partial<Configuration> {
  return {
    clients: [dashboardClientMetadata(issuer)],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    // client_secret_jwt is absent on purpose: it needs the cleartext secret as an HMAC key,
    // and Keyward stores only a hash of it.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: {
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    },
    extraClientMetadata: {
      properties: ['organization_id'],
      validator(_ctx, key, value, metadata) {
        // The dashboard is Keyward's own client and acts for no organization.
        if (metadata.client_id === DASHBOARD_CLIENT_ID) return;
        if (key === 'organization_id' && (typeof value !== 'string' || value.length === 0)) {
          throw new errors.InvalidClientMetadata('organization_id is required');
        }
      },
    },
    // Browsers may call the token endpoint only for public clients (SPAs), from the origin of
    // one of their redirect URIs; a confidential client's secret never belongs in a browser.
    // (oidc-provider's default, made explicit; Keyward serves userinfo itself.)
    clientBasedCORS: (_ctx, origin, client) =>
      origin !== 'null' && client.clientAuthMethod === 'none' && (client.redirectUris ?? []).some((uri) => originOf(uri) === origin),
  };
}
