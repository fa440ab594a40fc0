// Assembles oidc-provider from small, single-purpose pieces. Every choice that departs from
// the library's defaults is here, with its reason.
import Provider, { type Configuration } from 'oidc-provider';
import type { Config } from '../../config/config.js';
import type { ProtocolStore } from '../../adapters/protocol-store.js';
import type { ClientRegistry } from '../../clients/registry.js';
import type { Logger } from '../../lib/logger.js';
import { extraTokenClaims } from '../../grants/token-claims.js';
import type { GrantOrganization, ProtocolRecords } from '../../grants/records.js';
import type { KeySet } from '../../signing-keys/key-set.js';
import { patchClientSecretComparison } from './client-secret-patch.js';
import { patchClientLookup } from './client-lookup-patch.js';
import { withSpreadableClaims } from './spreadable-claims.js';
import { PROTOCOL_SCOPES } from '../../policy/audiences.js';
import { renderErrorPage } from '../../pages/error-page.js';
import { logoutPages } from '../../pages/logout-pages.js';
import { OAUTH_ROUTES, interactionPath } from '../paths.js';
import { clientConfiguration } from './clients.js';
import { lifetimes } from './lifetimes.js';
import { observeProviderEvents } from './events.js';
import { installEdgeMiddleware } from './edge-middleware.js';
import type { resourceIndicatorHooks } from './resources.js';
import { providerFeatures } from './features.js';
import type { Metrics } from '../../metrics/metrics.js';

export interface ProviderDeps {
  config: Config;
  store: ProtocolStore;
  registry: ClientRegistry;
  records: ProtocolRecords;
  grantOrganization: GrantOrganization;
  keySet: KeySet;
  cookieKeys: string[];
  scopes: readonly string[];
  resourceIndicators: ReturnType<typeof resourceIndicatorHooks>;
  findAccount: Configuration['findAccount'];
  loadExistingGrant: Configuration['loadExistingGrant'];
  logger: Logger;
  metrics: Metrics;
}

const OWN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];

/** Keyward's own introspection, revocation and userinfo endpoints, advertised in discovery (RFC 8414 §2). */
function ownEndpoints(issuer: string) {
  return {
    introspection_endpoint: `${issuer}${OAUTH_ROUTES.introspection}`,
    introspection_endpoint_auth_methods_supported: OWN_ENDPOINT_AUTH_METHODS,
    revocation_endpoint: `${issuer}${OAUTH_ROUTES.revocation}`,
    revocation_endpoint_auth_methods_supported: [...OWN_ENDPOINT_AUTH_METHODS, 'none'],
    userinfo_endpoint: `${issuer}${OAUTH_ROUTES.userinfo}`,
  };
}

export function createProvider(deps: ProviderDeps): Provider {
  const { config, store, registry, records, keySet } = deps;
  const known = new Set([...PROTOCOL_SCOPES, ...deps.scopes]);
  // `secure` is left to oidc-provider, which sets it whenever the request is https (directly,
  // or through a proxy trusted with TRUST_PROXY). Forcing it would make every cookie fail on a
  // plain-http hop instead.
  const cookie = { httpOnly: true, sameSite: 'lax' as const };

  const logout = logoutPages(config.env === 'production');
  const configuration: Configuration = {
    adapter: (model: string) => (model === 'Client' ? registry.clientAdapter() : store.forModel(model)),
    findAccount: deps.findAccount,
    loadExistingGrant: deps.loadExistingGrant,
    routes: OAUTH_ROUTES,
    jwks: keySet.providerJwks as Configuration['jwks'],
    cookies: { keys: deps.cookieKeys, long: cookie, short: cookie },
    scopes: [...known],
    responseTypes: ['code'],
    pkce: { required: () => true },
    ...clientConfiguration(config.issuer),
    extraTokenClaims: withSpreadableClaims(extraTokenClaims(registry, records, deps.grantOrganization, store, config.refreshTokenTtl)),
    features: providerFeatures(deps.resourceIndicators, logout),
    // SaaS apps expect a refresh token whenever the client may use the grant, without having
    // to ask for openid/offline_access.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: lifetimes(config),
    discovery: ownEndpoints(config.issuer),
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid) },
    renderError: renderErrorPage(config.env === 'production'),
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy > 0;
  provider.maxIpsCount = config.trustProxy;
  patchClientSecretComparison(provider, registry);
  patchClientLookup(provider, registry, (configuration.clients ?? []).map((client) => client.client_id));
  observeProviderEvents(provider, deps.logger, deps.metrics);
  installEdgeMiddleware(provider, logout.anonymousLogout);
  return provider;
}
