// The only reader of process.env. Every setting Keyward has is defined, defaulted and
// validated here, once, at start-up; the rest of the code receives a typed `Config`.
import { z } from 'zod';
import { DEFAULT_PLANS, parsePlans, type Plans } from '../scopes/plans.js';
import { expandScopes, normaliseScopes } from '../scopes/scope.js';
import { DEFAULT_RESOURCES } from '../scopes/catalog.js';
import { managementAudience } from '../policy/audiences.js';

const SIGNING_ALGS = ['ES256', 'RS256', 'PS256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const integer = (min: number, max: number) =>
  z.coerce.number().int(`must be a whole number`).min(min).max(max);

const httpUrl = z
  .string()
  .url('must be an absolute URL')
  .refine((v) => /^https?:\/\//.test(v), 'must be http(s)')
  .refine((v) => !v.includes('#') && !v.includes('?'), 'must not carry a query or fragment');

// Resource indicators are absolute URIs without a fragment (RFC 8707 §2).
const resourceList = z
  .string()
  .transform((v) => v.split(/[\s,]+/).filter(Boolean))
  .refine((list) => list.length > 0, 'must name at least one resource')
  .refine(
    (list) => list.every((r) => URL.canParse(r) && !r.includes('#')),
    'each resource must be an absolute URI without a fragment',
  );

// "secret=sk,publishable=pk,restricted=rk": one distinct lower-case label per name, so a key's
// prefix says what it is (and secret scanners can match it).
const labels = <const N extends string>(names: readonly N[]) =>
  z.string().transform((value, ctx) => {
    const entries = value.split(',').map((pair) => pair.trim().split('='));
    const map = Object.fromEntries(entries.map(([k, v]) => [k?.trim(), v?.trim()]));
    const ok =
      entries.every((e) => e.length === 2) &&
      names.every((n) => typeof map[n] === 'string' && /^[a-z][a-z0-9]{1,7}$/.test(map[n])) &&
      Object.keys(map).length === names.length &&
      new Set(Object.values(map)).size === names.length;
    if (!ok) {
      ctx.addIssue({ code: 'custom', message: `must map ${names.join(', ')} to distinct labels of 2-8 characters a-z 0-9` });
      return z.NEVER;
    }
    return map as Record<N, string>;
  });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: integer(0, 65535).default(3000),
  // Unset: http://localhost:$PORT (filled in below), so a server on another port publishes
  // endpoints a discovery-checking client accepts.
  ISSUER: httpUrl.transform((v) => v.replace(/\/+$/, '')).optional(),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL')
    .optional(),
  REDIS_CLUSTER: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false'),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 : _ -')
    .default('kw:'),
  DATA_DIR: z.string().min(1).default('./.keyward'),
  KEYWARD_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  RESOURCE_AUDIENCE: resourceList.optional(),
  ACCESS_TOKEN_ALG: z.enum(SIGNING_ALGS).default('ES256'),
  ACCESS_TOKEN_TTL: integer(60, 86_400).default(3600),
  REFRESH_TOKEN_TTL: integer(300, 31_536_000).default(2_592_000),
  REFRESH_TOKEN_REUSE_INTERVAL: integer(0, 300).default(0),
  TRUST_PROXY: integer(0, 10).default(0),
  SIGNING_KEY_PROPAGATION: integer(0, 86_400).default(600),
  SIGNING_KEY_ROTATION_DAYS: integer(0, 3650).default(0),
  METRICS_PORT: integer(1, 65535).optional(),
  ALLOW_INSECURE_ISSUER: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false'),
  CLIENT_CREDENTIALS_FAST_PATH: z.enum(['true', 'false'], { message: 'must be true or false' }).default('true'),
  REFRESH_TOKEN_FAST_PATH: z.enum(['true', 'false'], { message: 'must be true or false' }).default('true'),
  SHUTDOWN_TIMEOUT: integer(1, 300).default(10),
  SHUTDOWN_DELAY: integer(0, 60).default(0),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  API_KEY_TYPE_LABELS: labels(['secret', 'publishable', 'restricted']).prefault('secret=sk,publishable=pk,restricted=rk'),
  API_KEY_MODE_LABELS: labels(['live', 'test']).prefault('live=live,test=test'),
  PUBLIC_SCOPES: z
    .string()
    .transform((v, ctx) => {
      try {
        return expandScopes(normaliseScopes(v.split(/[\s,]+/).filter(Boolean), { resources: DEFAULT_RESOURCES }), { resources: DEFAULT_RESOURCES });
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .prefault(''),
  PLANS: z
    .string()
    .transform((v, ctx) => {
      try {
        return parsePlans(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
});

/** Every environment variable Keyward reads (the deployment manifests are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  issuer: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** REDIS_URL names one seed node of a Redis Cluster. */
  redisCluster: boolean;
  redisKeyPrefix: string;
  dataDir: string;
  /** Unset in development: crypto/secret-file.ts then generates one and keeps it in dataDir. */
  secret: string | undefined;
  /** The product's resource indicators; the first one is the default audience. */
  resources: [string, ...string[]];
  /** Keyward's management API's own audience, `<ISSUER>/v1`: the only one management scopes are issued for. */
  managementAudience: string;
  accessTokenAlg: SigningAlg;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  refreshTokenReuseInterval: number;
  trustProxy: number;
  /** Ordinary client-credentials requests answered without oidc-provider's pipeline (token/fast-path.ts). */
  clientCredentialsFastPath: boolean;
  /** Ordinary refresh-token rotations answered without oidc-provider's pipeline (token/refresh-rotation.ts). */
  refreshTokenFastPath: boolean;
  /** Seconds a rotated-in signing key is published before it signs. */
  signingKeyPropagation: number;
  /** Rotate signing keys automatically after this many days (0: only by `keyward signing-key rotate`). */
  signingKeyRotationDays: number;
  /** Serve /metrics on this port only (not on PORT). */
  metricsPort: number | undefined;
  shutdownTimeout: number;
  /** Seconds after SIGTERM during which /readyz fails but new connections are still served. */
  shutdownDelay: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Plan name -> the product scopes an organization on it may grant. */
  plans: Plans;
  apiKeyLabels: { type: Record<'secret' | 'publishable' | 'restricted', string>; mode: Record<'live' | 'test', string> };
  /** Scopes a publishable key may hold (none unless configured). */
  publicScopes: string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an environment; throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "unset", as in most deployment tooling.
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key in schema.shape && value !== ''),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`invalid ${name}: ${issue.message}`);
  }
  const e = { ...parsed.data, ISSUER: parsed.data.ISSUER ?? `http://localhost:${parsed.data.PORT}` };
  if (e.NODE_ENV === 'production') {
    // Production never falls back to the embedded defaults or to a plain-http issuer.
    const missing = (['KEYWARD_SECRET', 'DATABASE_URL', 'REDIS_URL'] as const).filter((name) => !e[name]);
    if (missing.length > 0) throw new ConfigError(`missing ${missing.join(', ')}: required when NODE_ENV=production`);
    if (!e.ISSUER.startsWith('https://') && e.ALLOW_INSECURE_ISSUER !== 'true') {
      throw new ConfigError('invalid ISSUER: must be https when NODE_ENV=production (ALLOW_INSECURE_ISSUER=true for local tests)');
    }
  }
  const resources = (e.RESOURCE_AUDIENCE ?? [e.ISSUER]) as [string, ...string[]];
  const management = managementAudience(e.ISSUER);
  if (resources.includes(management)) throw new ConfigError(`invalid RESOURCE_AUDIENCE: ${management} is Keyward's management audience`);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    issuer: e.ISSUER,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisCluster: e.REDIS_CLUSTER === 'true',
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    dataDir: e.DATA_DIR,
    secret: e.KEYWARD_SECRET,
    resources,
    managementAudience: management,
    accessTokenAlg: e.ACCESS_TOKEN_ALG,
    accessTokenTtl: e.ACCESS_TOKEN_TTL,
    refreshTokenTtl: e.REFRESH_TOKEN_TTL,
    refreshTokenReuseInterval: e.REFRESH_TOKEN_REUSE_INTERVAL,
    trustProxy: e.TRUST_PROXY,
    clientCredentialsFastPath: e.CLIENT_CREDENTIALS_FAST_PATH === 'true',
    refreshTokenFastPath: e.REFRESH_TOKEN_FAST_PATH === 'true',
    signingKeyPropagation: e.SIGNING_KEY_PROPAGATION,
    signingKeyRotationDays: e.SIGNING_KEY_ROTATION_DAYS,
    metricsPort: e.METRICS_PORT,
    shutdownTimeout: e.SHUTDOWN_TIMEOUT,
    shutdownDelay: e.SHUTDOWN_DELAY,
    logLevel: e.LOG_LEVEL,
    plans: e.PLANS ?? DEFAULT_PLANS,
    apiKeyLabels: { type: e.API_KEY_TYPE_LABELS, mode: e.API_KEY_MODE_LABELS },
    publicScopes: e.PUBLIC_SCOPES,
  };
}
