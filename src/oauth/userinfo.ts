// OpenID Connect userinfo for Keyward's JWT access tokens (oidc-provider's own endpoint only
// accepts tokens it stores, and Keyward's are self-contained). The answer agrees with the token
// and with introspection: the user, and the organization the grant is bound to.
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { findUser } from '../users/repository.js';
import type { AccessTokenVerifier } from './access-token-verifier.js';

function bearer(ctx: Context): string | undefined {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(ctx.get('authorization'));
  return match?.[1];
}

function refuse(ctx: Context, error: 'invalid_request' | 'invalid_token', description: string): void {
  ctx.status = error === 'invalid_request' ? 400 : 401;
  // RFC 6750 §3: the challenge names the error, except when no credential was sent at all.
  ctx.set('www-authenticate', ctx.get('authorization') ? `Bearer realm="keyward", error="${error}"` : 'Bearer realm="keyward"');
  ctx.set('cache-control', 'no-store');
  ctx.body = { error, error_description: description };
}

export function userinfoEndpoint(db: Kysely<Database>, verify: AccessTokenVerifier) {
  return async (ctx: Context) => {
    if (ctx.query.access_token !== undefined) {
      refuse(ctx, 'invalid_request', 'send the access token in the Authorization header, never in the URL');
      return;
    }
    const token = bearer(ctx);
    if (!token) {
      refuse(ctx, 'invalid_token', 'a Bearer access token is required');
      return;
    }
    const verified = await verify(token);
    // Client-credentials tokens have no user behind them.
    const user = verified?.issued.grantId && verified.payload.sub ? await findUser(db, verified.payload.sub) : undefined;
    if (!verified || !user) {
      refuse(ctx, 'invalid_token', 'the access token is not valid for userinfo');
      return;
    }
    ctx.set('cache-control', 'no-store');
    ctx.body = { sub: user.id, email: user.email, organizationId: verified.issued.organizationId };
  };
}
