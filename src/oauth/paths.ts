// Every protocol endpoint lives under /oauth2; discovery stays at the root (RFC 8414 §3).
export const OAUTH_ROUTES = {
  authorization: '/oauth2/authorize',
  token: '/oauth2/token',
  jwks: '/oauth2/jwks',
  userinfo: '/oauth2/userinfo',
  pushed_authorization_request: '/oauth2/par',
  end_session: '/oauth2/logout',
  // Served by Keyward itself (oauth/introspection.ts, revocation.ts, userinfo.ts):
  // oidc-provider refuses JWT access tokens at those endpoints.
  introspection: '/oauth2/introspect',
  revocation: '/oauth2/revoke',
} as const;

export const OPENID_DISCOVERY_PATH = '/.well-known/openid-configuration';
export const OAUTH_DISCOVERY_PATH = '/.well-known/oauth-authorization-server';

export function interactionPath(uid: string): string {
  return `/interaction/${uid}`;
}
