// Verifies Keyward's own JWT access tokens: signature against the published keys only, an
// allow-listed algorithm, `typ: at+jwt` (so an ID token never passes), the issuer, expiry, and
// then its standing: a user token's record must still exist (its grant lives, it was not
// revoked), its client must still be registered and its user must still be a member of its
// organization, since before the token was issued (the role now is returned, so callers act
// with it rather than with the role at consent); a client-credentials token (sub = client_id)
// must not be revoked and its client must still be registered.
import { jwtVerify, type JWTPayload } from 'jose';
import type { IssuedAccessToken, ProtocolRecords } from '../grants/records.js';
import type { KeySet } from '../signing-keys/key-set.js';
import type { Role } from '../db/schema.js';
import type { MaybePromise } from '../lib/maybe-promise.js';

export interface VerifiedAccessToken {
  payload: JWTPayload & { jti: string; exp: number; client_id: string; scope?: string };
  issued: IssuedAccessToken;
  /** A user's token: the user's role in the token's organization now. */
  role?: Role;
}

/**
 * The longest token Keyward's endpoints look at; a longer one is inactive (introspection) or
 * ignored (revocation) without parsing. Keyward's own tokens are a fraction of it.
 */
export const MAX_TOKEN_LENGTH = 8192;

/** Three base64url segments: what a signed JWT looks like before any parsing. */
export const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export type AccessTokenVerifier = (token: string) => Promise<VerifiedAccessToken | undefined>;

export function accessTokenVerifier(
  issuer: string,
  keySet: () => KeySet,
  records: ProtocolRecords,
  clientExists: (clientId: string) => Promise<boolean>,
  roleOf: (userId: string, organizationId: string, issuedAt?: number) => MaybePromise<Role | undefined>,
): AccessTokenVerifier {
  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(token)) return undefined;
    const keys = keySet();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys.getKey, {
        issuer,
        typ: 'at+jwt',
        algorithms: keys.algorithms,
        requiredClaims: ['exp', 'jti', 'client_id'],
      }));
    } catch {
      return undefined;
    }
    const clientId = String(payload.client_id);
    const verified = payload as VerifiedAccessToken['payload'];
    if (payload.sub === clientId) {
      if (typeof payload.organizationId !== 'string') return undefined;
      const [revoked, exists] = await Promise.all([records.revokedAccessTokens.isRevoked(verified.jti), clientExists(clientId)]);
      if (revoked || !exists) return undefined;
      return { payload: verified, issued: { clientId, organizationId: payload.organizationId } };
    }
    const issued = await records.issuedAccessToken(verified.jti);
    if (!issued || issued.clientId !== clientId || typeof payload.sub !== 'string') return undefined;
    // A deleted app's tokens stop with it; a user's only while they are (still) a member, and
    // while the grant lives: a token issued while its grant was being revoked (a code replayed
    // during its own redemption) is filed after the revocation swept the grant's records.
    const [exists, role, grantLives] = await Promise.all([
      clientExists(clientId),
      roleOf(payload.sub, issued.organizationId, payload.iat),
      issued.grantId ? records.grantLives(issued.grantId) : false,
    ]);
    if (!exists || !role || !grantLives) return undefined;
    return { payload: verified, issued, role };
  };
}
