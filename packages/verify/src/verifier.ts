// createVerifier: one call that accepts `x-api-key`, `Authorization: Bearer <API key>` and
// `Authorization: Bearer <JWT>` alike, and answers with who is calling, for which
// organization, with which scopes; or a VerificationError (401, 403 or 503).
//  - JWTs are verified locally against the issuer's JWKS (found through discovery, cached,
//    refetched on an unknown kid at most once per 30 s), with issuer, audience, expiry (60 s
//    leeway), `typ: at+jwt` and an algorithm allow-list. Verified tokens are kept in an LRU
//    keyed by the exact token string until they expire, so a repeat costs a map lookup.
//  - API keys are introspected (RFC 7662) with a short positive and negative cache; an
//    unreachable introspection endpoint is a 503, never a grant.
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { VerificationError } from './errors.js';
import { ExpiringLru } from './lru.js';
import { credentialInQuery, header, type RequestLike } from './request.js';

export interface VerifierOptions {
  issuer: string;
  /** The `aud` your API expects (Keyward's RESOURCE_AUDIENCE). */
  audience: string;
  /** A client registered with `--introspect`; needed to accept API keys. */
  introspection?: { clientId: string; clientSecret: string };
  /** Seconds an introspected API key answer is reused (default 5; failures 2). */
  cacheTtl?: number;
  /** Seconds of clock skew tolerated on exp/nbf (default 60). */
  clockTolerance?: number;
  /** Accepted signing algorithms (never none or HS*). */
  algorithms?: string[];
  /** Verified JWTs remembered (default 10,000; 0 disables the cache). */
  tokenCacheSize?: number;
  /** Accept only API keys of this mode. */
  keyMode?: 'live' | 'test';
  /** The current time in milliseconds (default Date.now); lets tests and simulations move the clock. */
  clock?: () => number;
  /** Seconds between JWKS refetches on an unknown kid (default 30). */
  jwksCooldown?: number;
  /** WWW-Authenticate realm (default "api"). */
  realm?: string;
  fetch?: typeof fetch;
}

export interface Principal {
  /** The user, or the client for client credentials, or the key's organization for an API key. */
  subject: string;
  organizationId: string;
  scopes: string[];
  credential: 'jwt' | 'api_key';
  clientId?: string;
  keyId?: string;
}

export interface Verifier {
  verify(request: RequestLike): Promise<Principal>;
  /** Verifies a bare credential (the value of x-api-key or of the Bearer token). */
  verifyCredential(credential: string, context?: { ip?: string }): Promise<Principal>;
}

interface Metadata {
  jwks_uri: string;
  introspection_endpoint?: string;
}

const DEFAULT_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'];
// An empty signature still reads as a (forged) JWT, so it is refused as a token.
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const JWKS_COOLDOWN_MS = 30_000;
// jose codes that blame the token; anything else (network, timeout) is an outage: 503.
const TOKEN_FAULTS = /^ERR_(JWT_|JWS_|JWKS_NO_MATCHING_KEY|JWKS_MULTIPLE_MATCHING_KEYS|JOSE_ALG_NOT_ALLOWED|JOSE_NOT_SUPPORTED)/;

export function createVerifier(options: VerifierOptions): Verifier {
  const issuer = options.issuer.replace(/\/+$/, '');
  const realm = options.realm ?? 'api';
  const httpFetch = options.fetch ?? fetch;
  const algorithms = (options.algorithms ?? DEFAULT_ALGORITHMS).filter((a) => a !== 'none' && !a.startsWith('HS'));
  const clockTolerance = options.clockTolerance ?? 60;
  const keyTtlMs = (options.cacheTtl ?? 5) * 1000;
  const now = options.clock ?? Date.now;
  const tokens = new ExpiringLru<Principal>(options.tokenCacheSize ?? 10_000);
  const keys = new ExpiringLru<Principal | VerificationError>(10_000);
  const fail = (error: ConstructorParameters<typeof VerificationError>[0], description: string) =>
    new VerificationError(error, description, { realm });

  let metadata: Promise<Metadata> | undefined;
  let jwks: JWTVerifyGetKey | undefined;

  function discover(): Promise<Metadata> {
    metadata ??= (async () => {
      const res = await httpFetch(`${issuer}/.well-known/oauth-authorization-server`);
      if (!res.ok) throw new Error(`discovery answered ${res.status}`);
      return (await res.json()) as Metadata;
    })().catch((err: unknown) => {
      metadata = undefined; // try again on the next request
      throw err;
    });
    return metadata;
  }

  async function keySet(): Promise<JWTVerifyGetKey> {
    if (jwks) return jwks;
    const { jwks_uri } = await discover();
    jwks = createRemoteJWKSet(new URL(jwks_uri), { cooldownDuration: options.jwksCooldown === undefined ? JWKS_COOLDOWN_MS : options.jwksCooldown * 1000 });
    return jwks;
  }

  async function verifyJwt(token: string): Promise<Principal> {
    const cached = tokens.get(token, now());
    if (cached) return cached;
    let getKey = jwks;
    if (!getKey) {
      try {
        getKey = await keySet();
      } catch {
        throw fail('temporarily_unavailable', 'the authorization server cannot be reached');
      }
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer,
        audience: options.audience,
        typ: 'at+jwt',
        algorithms,
        clockTolerance,
        currentDate: new Date(now()),
        requiredClaims: ['exp', 'sub', 'client_id'],
      }));
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (!TOKEN_FAULTS.test(code)) throw fail('temporarily_unavailable', 'the signing keys cannot be fetched');
      throw fail('invalid_token', code === 'ERR_JWT_EXPIRED' ? 'the access token has expired' : 'the access token is not valid');
    }
    if (typeof payload.organizationId !== 'string') throw fail('invalid_token', 'the access token names no organization');
    const principal: Principal = {
      subject: payload.sub!,
      organizationId: payload.organizationId,
      scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
      credential: 'jwt',
      clientId: String(payload.client_id),
    };
    // Never past exp: the entry dies with the token.
    tokens.set(token, principal, payload.exp! * 1000);
    return principal;
  }

  async function introspectKey(key: string, ip: string | undefined): Promise<Principal> {
    if (!options.introspection) throw fail('invalid_api_key', 'this API does not accept API keys');
    const cacheKey = createHash('sha256').update(`${key}\n${ip ?? ''}`).digest('base64url');
    const cached = keys.get(cacheKey, now());
    if (cached instanceof VerificationError) throw cached;
    if (cached) return cached;
    let answer: Record<string, unknown>;
    try {
      const endpoint = (await discover()).introspection_endpoint ?? `${issuer}/oauth2/introspect`;
      const { clientId, clientSecret } = options.introspection;
      const body = new URLSearchParams({ token: key });
      if (ip) body.set('client_ip', ip);
      if (options.keyMode) body.set('key_mode', options.keyMode);
      const res = await httpFetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
        },
        body,
      });
      if (!res.ok) throw new Error(`introspection answered ${res.status}`);
      answer = (await res.json()) as Record<string, unknown>;
    } catch {
      // Fail closed: an outage never lets a key in.
      throw fail('temporarily_unavailable', 'the authorization server cannot be reached');
    }
    if (answer.active !== true || answer.token_type !== 'api_key' || typeof answer.organizationId !== 'string') {
      const refusal = fail('invalid_api_key', 'the API key is not valid');
      keys.set(cacheKey, refusal, now() + Math.min(keyTtlMs, 2000));
      throw refusal;
    }
    const principal: Principal = {
      subject: answer.organizationId,
      organizationId: answer.organizationId,
      scopes: typeof answer.scope === 'string' ? answer.scope.split(' ').filter(Boolean) : [],
      credential: 'api_key',
      keyId: String(answer.key_id),
    };
    const exp = typeof answer.exp === 'number' ? answer.exp * 1000 : Infinity;
    keys.set(cacheKey, principal, Math.min(now() + keyTtlMs, exp));
    return principal;
  }

  // Not async: an async function returning another's promise costs extra turns of the
  // microtask queue on every verification (docs/benchmarks.md, verify_jwt_uncached).
  // Like an async function, it rejects rather than throws, whatever it is given.
  function verifyCredential(credential: string, context: { ip?: string } = {}): Promise<Principal> {
    try {
      if (credential.length > 8192) throw fail('invalid_token', 'the credential is too long');
      return JWT_SHAPE.test(credential) ? verifyJwt(credential) : introspectKey(credential, context.ip);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** The one credential a request carries; throws when it carries none or two. */
  function credentialOf(request: RequestLike): string {
    const apiKey = header(request, 'x-api-key')?.trim();
    const authorization = header(request, 'authorization')?.trim();
    const bearer = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] : undefined;
    if (credentialInQuery(request.url)) throw fail('invalid_request', 'send credentials in the x-api-key or Authorization header, never in the URL');
    if (authorization && !bearer) throw fail('invalid_request', 'the Authorization header must be "Bearer <credential>"');
    if (apiKey && bearer && apiKey !== bearer) throw fail('invalid_request', 'x-api-key and Authorization carry different credentials');
    const credential = apiKey || bearer;
    if (!credential) throw fail('missing_credentials', 'send an API key in x-api-key or an access token in Authorization: Bearer');
    if (apiKey && JWT_SHAPE.test(apiKey)) throw fail('invalid_api_key', 'the API key is not valid');
    return credential;
  }

  return {
    verifyCredential,
    verify(request) {
      let credential: string;
      try {
        credential = credentialOf(request);
      } catch (err) {
        return Promise.reject(err as Error);
      }
      return verifyCredential(credential, { ip: request.ip });
    },
  };
}
