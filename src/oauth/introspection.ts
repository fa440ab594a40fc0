// RFC 7662 token introspection, Keyward's own: oidc-provider refuses JWT access tokens.
// Each kind of token has an introspector that says whether a token is its kind and, if so,
// what is true of it; the endpoint asks them in turn. API keys join this list.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { ClientRecord } from '../clients/repository.js';
import type { ClientRegistry } from '../clients/registry.js';
import { KeywardError } from '../errors.js';
import { readFormBody } from '../http/form-body.js';
import { authenticateClient } from './client-authentication.js';
import type { ProtocolRecords } from './protocol-records.js';
import type { AccessTokenVerifier } from './access-token-verifier.js';

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
  /** undefined: not this introspector's kind, or not active. */
  introspect(token: string, caller: ClientRecord, params?: Map<string, string>): Promise<ActiveToken | undefined>;
}

/** RFC 7662 §4: a client sees its own tokens; a resource server (can_introspect) sees all. */
export function mayIntrospect(caller: ClientRecord, tokenClientId: string | undefined): boolean {
  return caller.can_introspect || caller.client_id === tokenClientId;
}

export function jwtAccessTokenIntrospector(verify: AccessTokenVerifier): Introspector {
  return {
    async introspect(token, caller) {
      const verified = await verify(token);
      if (!verified || !mayIntrospect(caller, verified.payload.client_id)) return undefined;
      const { payload, issued } = verified;
      return {
        active: true,
        token_type: 'Bearer',
        client_id: payload.client_id,
        ...(typeof payload.scope === 'string' ? { scope: payload.scope } : {}),
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

export function refreshTokenIntrospector(provider: () => Provider, records: ProtocolRecords): Introspector {
  return {
    async introspect(token, caller) {
      if (token.length > 512) return undefined;
      const { RefreshToken, Grant } = provider();
      const refreshToken = await RefreshToken.find(token);
      if (!refreshToken || refreshToken.consumed || refreshToken.isExpired || !refreshToken.grantId) return undefined;
      if (!mayIntrospect(caller, refreshToken.clientId)) return undefined;
      const [grant, organizationId] = await Promise.all([
        Grant.find(refreshToken.grantId),
        records.organizationOfGrant(refreshToken.grantId),
      ]);
      if (!grant || grant.isExpired || !organizationId) return undefined;
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

const MAX_TOKEN_LENGTH = 8192;

export function introspectionEndpoint(registry: ClientRegistry, introspectors: Introspector[]) {
  return async (ctx: Context) => {
    const params = await readFormBody(ctx);
    const caller = await authenticateClient(ctx, params, registry, { allowPublic: false });
    const token = params.get('token');
    if (!token) throw new KeywardError('invalid_request', 'token is required', 'token');
    ctx.set('cache-control', 'no-store');
    if (token.length <= MAX_TOKEN_LENGTH) {
      // token_type_hint is only a hint (RFC 7662 §2.1): every introspector is asked.
      for (const introspector of introspectors) {
        const result = await introspector.introspect(token, caller, params);
        if (result) {
          ctx.body = result;
          return;
        }
      }
    }
    // RFC 7662 §2.2: an inactive token reveals nothing else.
    ctx.body = { active: false };
  };
}
