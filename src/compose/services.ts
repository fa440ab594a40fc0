// Composition root: everything is built here, once, and handed down as plain arguments.
import { Cluster, Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import type { Config, SigningAlg } from '../config/config.js';
import type { Logger } from '../lib/logger.js';
import { buildRegistryServices, KNOWN_SCOPES, SCOPE_VOCABULARY, type RegistryServices } from './registry.js';
import { redisProtocolStore, sqlProtocolStore, type ProtocolStore } from '../adapters/protocol-store.js';
import { sweepExpiredPayloads } from '../adapters/sql.js';
import type { BearerStateKeys } from '../adapters/bearer-state.js';
import { grantOrganizationPerRequest, protocolRecords, type ProtocolRecords } from '../grants/records.js';
import { ensureSigningKeys, loadSigningKeys, rotateSigningKeysIfDue } from '../signing-keys/repository.js';
import { startKeyReloader } from '../signing-keys/reloader.js';
import { buildKeySet, type KeySet } from '../signing-keys/key-set.js';
import { createProvider } from '../oauth/provider/create.js';
import { findAccount } from '../grants/accounts.js';
import { loadExistingGrant } from '../grants/existing-grant.js';
import { interactionRoutes } from '../interactions/routes.js';
import { staticAsset } from '../pages/static-asset.js';
import { memoryRateLimiter, redisRateLimiter } from '../rate-limit/limiter.js';
import { ApiKeyVerifier } from '../api-keys/verifier.js';
import { lastUsedRecorder } from '../api-keys/last-used.js';
import { localInvalidationBus, redisInvalidationBus, type InvalidationBus } from '../feed/bus.js';
import { PolicyLookups } from '../policy/lookups.js';
import { audiencesOf, resourceIndicatorHooks } from '../oauth/provider/resources.js';
import { apiKeyIntrospector } from '../api-keys/introspector.js';
import { managementOperations } from '../management/operations.js';
import { managementAuthenticator } from '../management/authenticate.js';
import { managementRouter } from '../management/router.js';
import { openApiDocument } from '../management/openapi.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import type { Database as Schema } from '../db/schema.js';
import { introspectionEndpoint, jwtAccessTokenIntrospector, refreshTokenIntrospector } from '../oauth/introspection.js';
import { revocationEndpoint } from '../oauth/revocation.js';
import { userinfoEndpoint } from '../oauth/userinfo.js';
import { accessTokenVerifier } from '../oauth/access-token-verifier.js';
import { OAUTH_ROUTES } from '../oauth/paths.js';
import { createApp } from '../server/app.js';
import { failureReporter } from '../http/failure.js';
import { plainRouter, type PlainRouter } from '../server/plain-router.js';
import { clientCredentialsFastPath, type TokenEndpoint } from '../token/fast-path.js';
import { livenessEndpoint, readinessEndpoint, type Probe } from '../server/health.js';
import { metricsEndpoint } from '../metrics/endpoint.js';

export interface Services extends RegistryServices {
  redis: Redis | Cluster | undefined;
  store: ProtocolStore;
  records: ProtocolRecords;
  provider: () => Provider;
  keySet: () => KeySet;
  app: Koa;
  /** Introspection and revocation, answered without Koa (http/plain-endpoints.ts). */
  plain: PlainRouter;
  /** The token endpoint: plain client-credentials requests here, the rest to oidc-provider. */
  tokenEndpoint: TokenEndpoint;
  keyVerifier: ApiKeyVerifier;
  /** Plans and roles as the policy sees them, kept live by the revocation feed. */
  lookups: PolicyLookups;
  metrics: Metrics;
  /** Re-reads the signing keys now (otherwise every 5 s). */
  reloadSigningKeys(): Promise<void>;
  /** Writes pending last_used_at times now (otherwise every 10 s). */
  flushKeyUsage(): Promise<void>;
  /** Set once shutdown begins: readiness turns 503 so load balancers stop sending traffic. */
  startDraining(): void;
}

const SWEEP_INTERVAL_MS = 60_000;

// Fail fast when Redis is away rather than queueing requests: callers get a clean error.
const FAIL_FAST = { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false } as const;

async function connectRedis(url: string, cluster: boolean): Promise<Redis | Cluster> {
  let redis: Redis | Cluster;
  if (cluster) {
    const seed = new URL(url);
    redis = new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
      lazyConnect: true,
      enableOfflineQueue: false,
      redisOptions: {
        maxRetriesPerRequest: 2,
        ...(seed.username ? { username: decodeURIComponent(seed.username) } : {}),
        ...(seed.password ? { password: decodeURIComponent(seed.password) } : {}),
        ...(seed.protocol === 'rediss:' ? { tls: {} } : {}),
      },
    });
  } else {
    redis = new Redis(url, FAIL_FAST);
  }
  redis.on('error', () => {}); // connection errors surface through commands and /readyz
  await redis.connect();
  return redis;
}

function signingAlgs(config: Config): SigningAlg[] {
  // ID tokens are RS256 as OIDC requires; access tokens use ACCESS_TOKEN_ALG.
  return [...new Set<SigningAlg>([config.accessTokenAlg, 'RS256'])];
}

type Closer = () => Promise<unknown> | void;

/** Protocol state: Redis when configured, the registry database otherwise. */
async function buildProtocolState(config: Config, db: Kysely<Schema>, keys: BearerStateKeys, logger: Logger, closers: Closer[]) {
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, config.redisCluster) : undefined;
  if (redis) closers.unshift(() => redis.quit().catch(() => redis.disconnect()));
  const policy = { refreshTokenReuseInterval: config.refreshTokenReuseInterval };
  const store = redis ? redisProtocolStore(redis, config.redisKeyPrefix, policy, keys) : sqlProtocolStore(db, policy, keys);
  if (!redis) {
    const sweep = setInterval(() => {
      sweepExpiredPayloads(db).catch((err: unknown) => logger.warn({ err }, 'sweeping expired protocol state failed'));
    }, SWEEP_INTERVAL_MS);
    sweep.unref();
    closers.unshift(() => clearInterval(sweep));
  }
  return { redis, store, records: protocolRecords(store) };
}

/** Signing keys from Postgres and the oidc-provider built on them, rebuilt when they change. */
async function startProvider(
  config: Config,
  base: RegistryServices,
  state: { store: ProtocolStore; records: ProtocolRecords },
  lookups: PolicyLookups,
  metrics: Metrics,
  closers: Closer[],
) {
  const { db } = base.database;
  await ensureSigningKeys(db, base.keyring.sealingKey, signingAlgs(config));
  // Tokens signed by a retired key stay verifiable until they expire.
  const publishRetiredFor = config.accessTokenTtl + 60;
  const initialKeys = await loadSigningKeys(db, base.keyring.sealingKey, publishRetiredFor);
  const grantOrganization = grantOrganizationPerRequest(state.records);
  const makeProvider = (keys: KeySet) =>
    createProvider({
      config,
      store: state.store,
      registry: base.registry,
      records: state.records,
      grantOrganization,
      keySet: keys,
      cookieKeys: base.keyring.cookieKeys,
      scopes: KNOWN_SCOPES,
      resourceIndicators: resourceIndicatorHooks({ config, lookups, grantOrganization, knownScopes: KNOWN_SCOPES }),
      findAccount: findAccount(db, grantOrganization, lookups),
      loadExistingGrant: loadExistingGrant(db, state.records),
      logger: base.logger,
      metrics,
    });
  let keySet = buildKeySet(initialKeys);
  let provider = makeProvider(keySet);
  const reloader = startKeyReloader({
    db,
    sealingKey: base.keyring.sealingKey,
    publishRetiredFor,
    initial: initialKeys,
    logger: base.logger,
    ...(config.signingKeyRotationDays > 0
      ? {
          rotateIfDue: () =>
            rotateSigningKeysIfDue(db, base.keyring.sealingKey, signingAlgs(config), config.signingKeyPropagation, config.signingKeyRotationDays),
        }
      : {}),
    onChange: (next) => {
      keySet = next;
      provider = makeProvider(next);
    },
  });
  closers.unshift(() => reloader.stop());
  return { provider: () => provider, keySet: () => keySet, reload: () => reloader.reload() };
}

/** A connection of its own for pub/sub: a duplicate, or in a cluster one to the seed node. */
function subscriberFor(redis: Redis | Cluster, config: Config): Redis {
  if (redis instanceof Cluster) return new Redis(config.redisUrl!, FAIL_FAST);
  return redis.duplicate();
}

/**
 * API-key verification with its cache, and the revocation feed that keeps it and the policy's
 * lookups current on every replica (api-keys/invalidation.ts).
 */
async function buildRevocationFeed(config: Config, base: RegistryServices, redis: Redis | Cluster | undefined, metrics: Metrics, closers: Closer[]) {
  const { db } = base.database;
  const lastUsed = lastUsedRecorder(db, base.logger);
  closers.unshift(() => lastUsed.close());
  // The verifier and the lookups ask the feed (made next, around them) whether it hears.
  const hears = () => feed.listening();
  const verifier = new ApiKeyVerifier(db, base.keyring.pepper, config.apiKeyLabels, lastUsed.touch, metrics.apiKeyVerified, hears);
  const lookups = new PolicyLookups(db, config.plans, hears);
  // Policy and client messages carry a colon; anything else is an API key's hash.
  const invalidate = (message: string) => {
    if (!lookups.invalidate(message) && !base.registry.applyChange(message)) verifier.invalidate(message);
  };
  const forgetAll = () => {
    verifier.forgetAll();
    lookups.forgetAll();
    base.registry.forgetAll();
  };
  const feed: InvalidationBus = redis
    ? await redisInvalidationBus(subscriberFor(redis, config), redis, `${config.redisKeyPrefix}api-keys:invalidated`, invalidate, forgetAll, base.logger)
    : localInvalidationBus(invalidate);
  closers.unshift(() => feed.close());
  return { verifier, lookups, feed, flushUsage: () => lastUsed.flush() };
}

export async function buildServices(config: Config, logger: Logger): Promise<Services> {
  // The registry's services announce changes on the revocation feed, built below.
  let feed: InvalidationBus | undefined;
  const base = await buildRegistryServices(config, logger, () => feed);
  const { db } = base.database;
  const closers: Closer[] = [base.close];
  try {
    const metrics = createMetrics();
    const { redis, store, records } = await buildProtocolState(config, db, base.keyring.protocolState, logger, closers);
    const revocations = await buildRevocationFeed(config, base, redis, metrics, closers);
    feed = revocations.feed;
    const { lookups } = revocations;
    const oauth = await startProvider(config, base, { store, records }, lookups, metrics, closers);
    const verifyAccessToken = accessTokenVerifier(
      config.issuer,
      oauth.keySet,
      records,
      async (clientId) => (await base.registry.find(clientId)) !== undefined,
      (userId, organizationId, issuedAt) => lookups.roleOf(userId, organizationId, issuedAt),
    );
    const limiter = redis ? redisRateLimiter(redis, config.redisKeyPrefix) : memoryRateLimiter();

    let draining = false;
    const probes: Record<string, Probe> = { database: () => sql`select 1`.execute(db) };
    if (redis) probes.redis = () => redis.ping();
    const operations = managementOperations({ db, keys: base.keys, clients: base.clients, members: base.members });
    const management = managementRouter(
      operations,
      managementAuthenticator({
        db,
        keys: revocations.verifier,
        accessTokens: verifyAccessToken,
        limiter,
        registry: base.registry,
        audience: config.managementAudience,
      }),
      openApiDocument(operations, config.issuer),
    );
    const interactions = interactionRoutes({
      config,
      db,
      provider: oauth.provider,
      registry: base.registry,
      records,
      members: base.members,
      limiter,
      csrfKey: base.keyring.csrfKey,
      pepper: base.keyring.pepper,
      logger,
    });
    const reportFailure = failureReporter(logger, metrics);
    const app = createApp({
      reportFailure,
      provider: oauth.provider,
      trustProxy: config.trustProxy,
      routers: [interactions, management],
      routes: [
        { method: 'GET', path: '/assets/keyward.css', handler: staticAsset('static/keyward.css', 'text/css; charset=utf-8') },
        { method: 'GET', path: '/healthz', handler: livenessEndpoint() },
        { method: 'GET', path: '/readyz', handler: readinessEndpoint(probes, () => draining) },
        // With METRICS_PORT set, /metrics is served on that port only (see main.ts).
        ...(config.metricsPort ? [] : [{ method: 'GET' as const, path: '/metrics', handler: metricsEndpoint(metrics) }]),
        { method: 'GET', path: OAUTH_ROUTES.userinfo, handler: userinfoEndpoint(db, verifyAccessToken) },
        { method: 'POST', path: OAUTH_ROUTES.userinfo, handler: userinfoEndpoint(db, verifyAccessToken) },
      ],
    });

    const plain = plainRouter(
      {
        [OAUTH_ROUTES.introspection]: introspectionEndpoint(base.registry, [
          // The shapes are disjoint (a JWT has dots, a key has none); the key's test is the
          // cheaper one to fail, and keys are the commonest token introspected.
          apiKeyIntrospector(revocations.verifier, (organizationId) => lookups.planOf(organizationId), SCOPE_VOCABULARY),
          jwtAccessTokenIntrospector(verifyAccessToken),
          // Last: its shape (any base64url string) also covers the others'.
          refreshTokenIntrospector(oauth.provider, records, lookups),
        ]),
        [OAUTH_ROUTES.revocation]: revocationEndpoint({ registry: base.registry, provider: oauth.provider, verifyAccessToken, records }),
      },
      reportFailure,
    );

    // CLIENT_CREDENTIALS_FAST_PATH=false: every token request goes to oidc-provider.
    const tokenEndpoint: TokenEndpoint = config.clientCredentialsFastPath ? fastPath() : async (_req, _res, provider) => provider();
    function fastPath() {
      return clientCredentialsFastPath({
        issuer: config.issuer,
        audiences: audiencesOf(config),
        scopes: KNOWN_SCOPES,
        planOf: (organizationId) => lookups.planOf(organizationId),
        accessTokenTtl: config.accessTokenTtl,
        accessTokenAlg: config.accessTokenAlg,
        registry: base.registry,
        keySet: oauth.keySet,
        assertStoreAvailable: () => store.assertAvailable(),
        onIssued: () => metrics.tokenIssued('client_credentials'),
        reportFailure,
      });
    }

    return {
      ...base,
      redis,
      store,
      records,
      provider: oauth.provider,
      keySet: oauth.keySet,
      app,
      plain,
      tokenEndpoint,
      keyVerifier: revocations.verifier,
      lookups,
      metrics,
      flushKeyUsage: revocations.flushUsage,
      reloadSigningKeys: oauth.reload,
      startDraining: () => {
        draining = true;
      },
      close: async () => {
        for (const close of closers) await close();
      },
    };
  } catch (err) {
    for (const close of closers) await close();
    throw err;
  }
}
