// How long each protocol record lives. Access and refresh tokens follow the configuration; the
// rest are fixed.
import type { Configuration } from 'oidc-provider';
import type { Config } from '../../config/config.js';
import { DASHBOARD_CLIENT_ID, DASHBOARD_GRANT_TTL } from '../../grants/dashboard-client.js';

const AUTHORIZATION_CODE_TTL = 60; // RFC 9700 §4.5 recommends a short code lifetime.
export const INTERACTION_TTL = 3600;
const SESSION_TTL = 14 * 24 * 3600;

export function lifetimes(config: Pick<Config, 'accessTokenTtl' | 'refreshTokenTtl'>): Configuration['ttl'] {
  return {
    AccessToken: config.accessTokenTtl,
    ClientCredentials: config.accessTokenTtl,
    AuthorizationCode: AUTHORIZATION_CODE_TTL,
    RefreshToken: config.refreshTokenTtl,
    // A grant lasts as long as the refresh tokens issued under it; the dashboard's, which
    // issues none, only while signing in.
    Grant: (_ctx, grant) => (grant.clientId === DASHBOARD_CLIENT_ID ? DASHBOARD_GRANT_TTL : config.refreshTokenTtl),
    IdToken: config.accessTokenTtl,
    Interaction: INTERACTION_TTL,
    Session: SESSION_TTL,
  };
}
