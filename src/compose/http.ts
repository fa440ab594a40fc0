// What answers HTTP: the management API, the sign-in pages, the ops endpoints and userinfo (one
// Koa app), introspection and revocation (answered directly), the token endpoint, and the route
// table that says which of them (or oidc-provider) owns a path.
import { sql } from 'kysely';
import type { FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import type { GrantOrganization } from '../grants/records.js';
import { apiKeyIntrospector } from '../api-keys/introspector.js';
import { memoryRateLimiter, redisRateLimiter, type RateLimiter } from '../rate-limit/limiter.js';
import { KNOWN_SCOPES, SCOPE_VOCABULARY } from '../scopes/catalog.js';
import { managementOperations } from '../management/operations.js';
import { managementAuthenticator } from '../management/authenticate.js';
import { managementRouter } from '../management/router.js';
import { openApiDocument } from '../management/openapi.js';
import { interactionRoutes } from '../interactions/routes.js';
import { dashboardRoutes } from '../dashboard/routes.js';
import { staticAsset } from '../pages/static-asset.js';
import { introspectionEndpoint, jwtAccessTokenIntrospector, refreshTokenIntrospector } from '../oauth/introspection.js';
import { revocationEndpoint } from '../oauth/revocation.js';
import { userinfoEndpoint } from '../oauth/userinfo.js';
import { accessTokenVerifier, type AccessTokenVerifier } from '../oauth/access-token-verifier.js';
import { OAUTH_ROUTES } from '../oauth/paths.js';
import { audiencesOf } from '../oauth/provider/resources.js';
import { failureReporter } from '../http/failure.js';
import type { DirectEndpoint } from '../http/direct-endpoint.js';
import { createApp, type Route } from '../server/app.js';
import { directRouter } from '../server/direct-router.js';
import { livenessEndpoint, readinessEndpoint, type Probe } from '../server/health.js';
import { routerPatterns, routeTable } from '../server/routes.js';
import { tokenEndpoint } from '../token/endpoint.js';
import { metricsEndpoint } from '../metrics/endpoint.js';
import type { RegistryServices } from './registry.js';
import type { Services } from './services.js';

/** What the HTTP side is built on: the registry and the parts of the services built before it. */
export type HttpParts = Pick<Services, 'redis' | 'store' | 'records' | 'provider' | 'keySet' | 'keyVerifier' | 'lookups' | 'metrics'> & {
  base: RegistryServices;
  /** oidc-provider's findAccount and the grant's organization per request, shared with the token endpoint's refresh fast path. */
  findAccount: FindAccount;
  grantOrganization: GrantOrganization;
};

/** The management API (/v1), the sign-in pages and the dashboard: the Koa app's routers. */
function pageAndApiRouters(parts: HttpParts, verifyAccessToken: AccessTokenVerifier, limiter: RateLimiter) {
  const { base, records } = parts;
  const { config, logger } = base;
  const { db } = base.database;
  const audiences = audiencesOf(config);
  const operations = managementOperations({ db, keys: base.keys, clients: base.clients, members: base.members });
  const management = managementRouter(
    operations,
    managementAuthenticator({ db, keys: parts.keyVerifier, accessTokens: verifyAccessToken, limiter, registry: base.registry, audience: config.managementAudience }),
    openApiDocument(operations, config.issuer),
  );
  const interactions = interactionRoutes({
    config,
    audiences,
    db,
    provider: parts.provider,
    registry: base.registry,
    records,
    members: base.members,
    limiter,
    csrfKey: base.keyring.csrfKey,
    pepper: base.keyring.pepper,
    logger,
  });
  const dashboard = dashboardRoutes({
    config,
    db,
    provider: parts.provider,
    store: parts.store,
    records,
    registry: base.registry,
    members: base.members,
    operations,
    csrfKey: base.keyring.csrfKey,
    sealingKey: base.keyring.sealingKey,
    logger,
  });
  return { management, interactions, dashboard };
}

/** Introspection and revocation, answered directly on node:http. */
function introspectionAndRevocation(parts: HttpParts, verifyAccessToken: AccessTokenVerifier): Record<string, DirectEndpoint> {
  const { base, records, lookups } = parts;
  return {
    [OAUTH_ROUTES.introspection]: introspectionEndpoint(base.registry, [
      // The shapes are disjoint (a JWT has dots, a key has none); the key's test is the
      // cheaper one to fail, and keys are the commonest token introspected.
      apiKeyIntrospector(parts.keyVerifier, (organizationId) => lookups.planOf(organizationId), SCOPE_VOCABULARY),
      jwtAccessTokenIntrospector(verifyAccessToken),
      // Last: its shape (any base64url string) also covers the others'.
      refreshTokenIntrospector(parts.provider, records, lookups),
    ]),
    [OAUTH_ROUTES.revocation]: revocationEndpoint({ registry: base.registry, provider: parts.provider, verifyAccessToken, records }),
  };
}

export function buildHttp(parts: HttpParts) {
  const { base, redis, records, lookups, metrics } = parts;
  const { config, logger } = base;
  const { db } = base.database;
  let draining = false;
  const verifyAccessToken = accessTokenVerifier(
    config.issuer,
    parts.keySet,
    records,
    async (clientId) => (await base.registry.find(clientId)) !== undefined,
    (userId, organizationId, issuedAt) => lookups.roleOf(userId, organizationId, issuedAt),
  );
  const limiter = redis ? redisRateLimiter(redis, config.redisKeyPrefix) : memoryRateLimiter();
  const reportFailure = failureReporter(logger, metrics);

  const { management, interactions, dashboard } = pageAndApiRouters(parts, verifyAccessToken, limiter);
  const probes: Record<string, Probe> = { database: () => sql`select 1`.execute(db) };
  if (redis) probes.redis = () => redis.ping();
  const userinfo = userinfoEndpoint(db, verifyAccessToken);
  const appRoutes: Route[] = [
    { method: 'GET', path: '/assets/keyward.css', handler: staticAsset('static/keyward.css', 'text/css; charset=utf-8') },
    { method: 'GET', path: '/assets/copy.js', handler: staticAsset('static/copy.js', 'text/javascript; charset=utf-8') },
    // The root is the dashboard's door: a person who types the server's address lands there.
    { method: 'GET', path: '/', handler: (ctx) => ctx.redirect('/dashboard') },
    { method: 'GET', path: '/healthz', handler: livenessEndpoint() },
    { method: 'GET', path: '/readyz', handler: readinessEndpoint(probes, () => draining) },
    // With METRICS_PORT set, /metrics is served on that port only (see main.ts).
    ...(config.metricsPort ? [] : [{ method: 'GET' as const, path: '/metrics', handler: metricsEndpoint(metrics) }]),
    { method: 'GET', path: OAUTH_ROUTES.userinfo, handler: userinfo },
    { method: 'POST', path: OAUTH_ROUTES.userinfo, handler: userinfo },
  ];
  const app = createApp({ reportFailure, provider: parts.provider, trustProxy: config.trustProxy, routers: [interactions, management, dashboard], routes: appRoutes });

  const directEndpoints = introspectionAndRevocation(parts, verifyAccessToken);

  const tokenDeps = {
    issuer: config.issuer,
    audiences: audiencesOf(config),
    scopes: KNOWN_SCOPES,
    planOf: (organizationId: string) => lookups.planOf(organizationId),
    accessTokenTtl: config.accessTokenTtl,
    accessTokenAlg: config.accessTokenAlg,
    registry: base.registry,
    keySet: parts.keySet,
  };
  const token = tokenEndpoint({
    clientCredentials: config.clientCredentialsFastPath
      ? { ...tokenDeps, assertStoreAvailable: () => parts.store.assertAvailable(), onIssued: () => metrics.tokenIssued('client_credentials') }
      : undefined,
    refreshToken: config.refreshTokenFastPath
      ? {
          ...tokenDeps,
          refreshTokenTtl: config.refreshTokenTtl,
          store: parts.store,
          records,
          grantOrganization: parts.grantOrganization,
          findAccount: (request, accountId, refreshToken) => parts.findAccount(request as KoaContextWithOIDC, accountId, refreshToken as never),
          roleOf: (userId, organizationId) => lookups.roleOf(userId, organizationId),
          onIssued: () => metrics.tokenIssued('refresh_token'),
        }
      : undefined,
    reportFailure,
  });

  return {
    app,
    direct: directRouter(directEndpoints, reportFailure),
    tokenEndpoint: token,
    routes: routeTable({
      direct: Object.keys(directEndpoints),
      app: [...new Set(appRoutes.map((route) => route.path)), ...routerPatterns(interactions), ...routerPatterns(management), ...routerPatterns(dashboard)],
    }),
    startDraining: () => {
      draining = true;
    },
  };
}
