// Which of oidc-provider's features Keyward uses, and which endpoints it serves itself instead.
import type { Configuration } from 'oidc-provider';
import type { resourceIndicatorHooks } from './resources.js';
import type { logoutPages } from '../../pages/logout-pages.js';

export function providerFeatures(
  resourceIndicators: ReturnType<typeof resourceIndicatorHooks>,
  logout: ReturnType<typeof logoutPages>,
): Configuration['features'] {
  return {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    // Served by Keyward: oidc-provider refuses JWT access tokens at both.
    introspection: { enabled: false },
    revocation: { enabled: false },
    // Not yet supported by the resource-server kit; see docs/security.md.
    dPoP: { enabled: false },
    // Served by Keyward (oauth/userinfo.ts) for its JWT access tokens.
    userinfo: { enabled: false },
    rpInitiatedLogout: { enabled: true, logoutSource: logout.logoutSource, postLogoutSuccessSource: logout.postLogoutSuccessSource },
    pushedAuthorizationRequests: { enabled: true },
    // Audiences and token scopes come from the policy (oauth/provider/resources.ts).
    resourceIndicators: {
      enabled: true,
      defaultResource: resourceIndicators.defaultResource,
      useGrantedResource: () => true,
      getResourceServerInfo: resourceIndicators.getResourceServerInfo,
    },
  };
}
