// A JWT access token signed here, claim for claim as oidc-provider's JWT format writes it
// (organizationId first: Keyward's extraTokenClaims), so a token from a fast path cannot be
// told from one oidc-provider signs (the differential tests compare them).
import { organizationClaim } from '../grants/token-claims.js';
import { pooledRandomBytes } from '../crypto/random.js';
import type { Signer } from './signer.js';

export interface AccessTokenClaims {
  jti: string;
  organizationId: string;
  /** The user, or the client itself for client credentials. */
  sub: string;
  clientId: string;
  /** Space-separated; '' leaves the claim out, as oidc-provider does. */
  scope: string;
  audience: string;
  issuer: string;
  ttl: number;
}

/** An unguessable token id, as long as oidc-provider's (256 bits, base64url). */
export const tokenId = () => pooledRandomBytes(32).toString('base64url');

/** The compact JWS (RFC 7515 §7.1): header, claims (JSON drops a scope left undefined) and signature. */
export async function signAccessToken(signer: Signer, claims: AccessTokenClaims): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const payload = {
    ...organizationClaim(claims.organizationId),
    jti: claims.jti,
    sub: claims.sub,
    iat,
    exp: iat + claims.ttl,
    scope: claims.scope || undefined,
    client_id: claims.clientId,
    iss: claims.issuer,
    aud: claims.audience,
  };
  const input = `${signer.header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = await signer.sign(Buffer.from(input));
  return `${input}.${signature.toString('base64url')}`;
}
