// Assembles oidc-provider from small, single-purpose pieces. Every choice that departs from
// the library's defaults is here, with its reason.
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../../config/config.js';
import type { ProtocolStore } from '../../adapters/protocol-store.js';
import type { ClientRegistry } from '../../clients/registry.js';
import type { Logger } from '../../lib/logger.js';
import { extraTokenClaims } from '../../grants/token-claims.js';
import type { GrantOrganization, ProtocolRecords } from '../../grants/records.js';
import type { KeySet } from '../../signing-keys/key-set.js';
import { installClientSecretCheck } from './client-secret-patch.js';
import { renderErrorPage } from '../../pages/error-page.js';
import { logoutPages } from '../../pages/logout-pages.js';
import { OAUTH_ROUTES, interactionPath } from '../paths.js';
import { KeywardError, toHttp, StorageUnavailableError } from '../../lib/errors.js';
import { unstorablePath } from '../../db/nul-characters.js';
import type { resourceIndicatorHooks } from './resources.js';
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
const AUTHORIZATION_CODE_TTL = 60; // RFC 9700 §4.5 recommends a short code lifetime.
const INTERACTION_TTL = 3600;
const SESSION_TTL = 14 * 24 * 3600;

function originOf(uri: string): string | undefined {
  try {
    return new URL(uri).origin;
  } catch {
    return undefined;
  }
}

export function createProvider(deps: ProviderDeps): Provider {
  const { config, store, registry, records, keySet } = deps;
  const known = new Set(['openid', 'offline_access', ...deps.scopes]);
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
      validator(_ctx, key, value) {
        if (key === 'organization_id' && (typeof value !== 'string' || value.length === 0)) {
          throw new errors.InvalidClientMetadata('organization_id is required');
        }
      },
    },
    extraTokenClaims: extraTokenClaims(registry, records, deps.grantOrganization, store),
    // Browsers may call the token endpoint only for public clients (SPAs), from the origin of
    // one of their redirect URIs; a confidential client's secret never belongs in a browser.
    // (oidc-provider's default, made explicit; Keyward serves userinfo itself.)
    clientBasedCORS: (_ctx, origin, client) =>
      origin !== 'null' && client.clientAuthMethod === 'none' && (client.redirectUris ?? []).some((uri) => originOf(uri) === origin),
    features: {
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
      // Audiences and token scopes come from the policy (resource-indicators.ts).
      resourceIndicators: {
        enabled: true,
        defaultResource: deps.resourceIndicators.defaultResource,
        useGrantedResource: () => true,
        getResourceServerInfo: deps.resourceIndicators.getResourceServerInfo,
      },
    },
    // SaaS apps expect a refresh token whenever the client may use the grant, without having
    // to ask for openid/offline_access.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: config.accessTokenTtl,
      ClientCredentials: config.accessTokenTtl,
      AuthorizationCode: AUTHORIZATION_CODE_TTL,
      RefreshToken: config.refreshTokenTtl,
      Grant: config.refreshTokenTtl,
      IdToken: config.accessTokenTtl,
      Interaction: INTERACTION_TTL,
      Session: SESSION_TTL,
    },
    // Advertise Keyward's own introspection and revocation endpoints (RFC 8414 §2).
    discovery: {
      introspection_endpoint: `${config.issuer}${OAUTH_ROUTES.introspection}`,
      introspection_endpoint_auth_methods_supported: OWN_ENDPOINT_AUTH_METHODS,
      revocation_endpoint: `${config.issuer}${OAUTH_ROUTES.revocation}`,
      revocation_endpoint_auth_methods_supported: [...OWN_ENDPOINT_AUTH_METHODS, 'none'],
      userinfo_endpoint: `${config.issuer}${OAUTH_ROUTES.userinfo}`,
    },
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid) },
    renderError: renderErrorPage(config.env === 'production'),
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy > 0;
  provider.maxIpsCount = config.trustProxy;
  installClientSecretCheck(provider, registry);
  provider.on('server_error', (ctx: KoaContextWithOIDC, err: Error) => {
    if (err instanceof StorageUnavailableError) {
      ctx.state.storageUnavailable = true;
      deps.metrics.storeError(err.store);
      deps.logger.warn({ store: err.message, route: ctx.oidc?.route }, 'request failed: store unavailable');
      return;
    }
    deps.logger.error({ err: { name: err.name, message: err.message }, route: ctx.oidc?.route }, 'oidc-provider server_error');
  });
  provider.on('access_token.issued', (token: { gty?: string }) => deps.metrics.tokenIssued(token.gty?.split(' ').pop() ?? 'unknown'));
  provider.on('client_credentials.issued', () => deps.metrics.tokenIssued('client_credentials'));
  provider.on('grant.error', (_ctx: KoaContextWithOIDC, err: { error_detail?: string }) => {
    if (err.error_detail === 'refresh token already used') deps.metrics.grantSourceReused('refresh_token');
    else if (err.error_detail === 'authorization code already consumed') deps.metrics.grantSourceReused('authorization_code');
  });
  // A NUL byte cannot be stored in Postgres: refused at the edge, before oidc-provider keeps the
  // request's parameters (an interaction, a pushed request), where it would read as an outage.
  // Form bodies are oidc-provider's to read; the SQL adapter refuses what gets past this.
  provider.use(async (ctx, next) => {
    const nul = unstorablePath(ctx.query);
    if (!nul) return next();
    const { status, body } = toHttp(new KeywardError('invalid_request', `${nul} must not contain a NUL character`, nul));
    ctx.status = status;
    ctx.set('cache-control', 'no-store');
    ctx.body = body;
  });
  provider.use(logout.anonymousLogout);
  // oidc-provider answers any failure with 500 server_error; a store outage is 503 (fail closed).
  provider.use(async (ctx, next) => {
    await next();
    if (!ctx.state.storageUnavailable) return;
    const { status, body, headers } = toHttp(new StorageUnavailableError('store'));
    ctx.status = status;
    ctx.set(headers);
    ctx.set('cache-control', 'no-store');
    ctx.body = body;
  });
  return provider;
}
