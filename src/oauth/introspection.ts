// RFC 7662 token introspection, Keyward's own: oidc-provider refuses JWT access tokens.
// Each kind of token has an introspector that recognizes its kind by shape alone and says
// what is true of a token of that kind. The endpoint asks only the first that recognizes the
// token: an API key must not cost a refresh-token lookup in Redis (docs/benchmarks.md).
import type Provider from 'oidc-provider';
import type { ClientRecord } from '../clients/repository.js';
import type { ClientRegistry } from '../clients/registry.js';
import { KeywardError } from '../lib/errors.js';
import { andThen, type MaybePromise } from '../lib/maybe-promise.js';
import type { DirectEndpoint } from '../http/direct-endpoint.js';
import { authenticateClient } from './client-authentication.js';
import type { ProtocolRecords } from '../grants/records.js';
import { JWT_SHAPE, MAX_TOKEN_LENGTH, type AccessTokenVerifier } from './access-token-verifier.js';
import { withoutManagementScopes } from '../policy/grantor.js';
import type { PolicyLookups } from '../policy/lookups.js';

export interface ActiveToken {
  active: true;
  token_type: 'Bearer' | 'refresh_token' | 'api_key';
  client_id?: string;
  scope?: string;
  sub?: string;
  aud?: string | string[];
  iss?: string;
  exp?: number;
  iat?: number;
  jti?: string;
  organizationId: string;
  key_id?: string;
  key_type?: string;
  livemode?: boolean;
}

export interface Introspector {
  /** Whether the token has this kind's shape; no lookup, no signature check. */
  recognizes(token: string): boolean;
  /** undefined: not active, or not for this caller to see. At once when cached (src/lib/maybe-promise.ts). */
  introspect(token: string, caller: ClientRecord, params?: Map<string, string>): MaybePromise<ActiveToken | undefined>;
}

/** RFC 7662 §4: a client sees its own tokens; a resource server (can_introspect) sees all. */
export function mayIntrospect(caller: ClientRecord, tokenClientId: string | undefined): boolean {
  return caller.can_introspect || caller.client_id === tokenClientId;
}

export function jwtAccessTokenIntrospector(verify: AccessTokenVerifier): Introspector {
  return {
    recognizes: (token) => JWT_SHAPE.test(token),
    async introspect(token, caller) {
      const verified = await verify(token);
      if (!verified || !mayIntrospect(caller, verified.payload.client_id)) return undefined;
      const { payload, issued, role } = verified;
      // A demoted admin's token no longer carries its management scopes.
      const scope = typeof payload.scope === 'string' && role === 'member' ? withoutManagementScopes(payload.scope.split(' ')).join(' ') : payload.scope;
      return {
        active: true,
        token_type: 'Bearer',
        client_id: payload.client_id,
        ...(typeof scope === 'string' ? { scope } : {}),
        ...(payload.sub ? { sub: payload.sub } : {}),
        ...(payload.aud ? { aud: payload.aud } : {}),
        ...(payload.iss ? { iss: payload.iss } : {}),
        exp: payload.exp,
        ...(payload.iat ? { iat: payload.iat } : {}),
        jti: payload.jti,
        organizationId: issued.organizationId,
      };
    },
  };
}

/** oidc-provider's opaque tokens: base64url, well under 512 characters. */
const OPAQUE_TOKEN = /^[A-Za-z0-9_-]{1,512}$/;

export function refreshTokenIntrospector(provider: () => Provider, records: ProtocolRecords, lookups: PolicyLookups): Introspector {
  return {
    recognizes: (token) => OPAQUE_TOKEN.test(token),
    async introspect(token, caller) {
      const { RefreshToken, Grant } = provider();
      const refreshToken = await RefreshToken.find(token);
      if (!refreshToken || refreshToken.consumed || refreshToken.isExpired || !refreshToken.grantId) return undefined;
      if (!mayIntrospect(caller, refreshToken.clientId)) return undefined;
      const [grant, organizationId] = await Promise.all([
        Grant.find(refreshToken.grantId),
        records.organizationOfGrant(refreshToken.grantId),
      ]);
      if (!grant || grant.isExpired || !organizationId) return undefined;
      // A removed member's refresh token can no longer be used (grants/accounts.ts).
      if (refreshToken.accountId && !(await lookups.roleOf(refreshToken.accountId, organizationId, refreshToken.iiat ?? refreshToken.iat))) return undefined;
      return {
        active: true,
        token_type: 'refresh_token',
        client_id: refreshToken.clientId,
        ...(refreshToken.scope ? { scope: refreshToken.scope } : {}),
        ...(refreshToken.accountId ? { sub: refreshToken.accountId } : {}),
        exp: refreshToken.exp,
        iat: refreshToken.iat,
        organizationId,
      };
    },
  };
}

const INACTIVE = { active: false } as const;

export function introspectionEndpoint(registry: ClientRegistry, introspectors: Introspector[]): DirectEndpoint {
  return (req, params) =>
    andThen(authenticateClient(req.headers.authorization, params, registry, { allowPublic: false }), (caller) => {
      const token = params.get('token');
      if (!token) throw new KeywardError('invalid_request', 'token is required', 'token');
      // token_type_hint is only a hint (RFC 7662 §2.1): the token's shape decides.
      const introspector = token.length <= MAX_TOKEN_LENGTH ? introspectors.find((i) => i.recognizes(token)) : undefined;
      // RFC 7662 §2.2: an inactive token reveals nothing else.
      if (!introspector) return { body: INACTIVE };
      return andThen(introspector.introspect(token, caller, params), (active) => ({ body: active ?? INACTIVE }));
    });
}
