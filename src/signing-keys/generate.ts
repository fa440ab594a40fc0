import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { SigningAlg } from '../config/config.js';

/** The algorithms Keyward keeps a key for: ID tokens are RS256 as OIDC requires; access tokens use ACCESS_TOKEN_ALG. */
export function signingAlgs(accessTokenAlg: SigningAlg): SigningAlg[] {
  return [...new Set<SigningAlg>([accessTokenAlg, 'RS256'])];
}

export interface GeneratedKey {
  kid: string;
  alg: SigningAlg;
  publicJwk: JWK;
  privateJwk: JWK;
}

export async function generateSigningKey(alg: SigningAlg): Promise<GeneratedKey> {
  const options = alg === 'RS256' || alg === 'PS256' ? { modulusLength: 2048, extractable: true } : { extractable: true };
  const { publicKey, privateKey } = await generateKeyPair(alg, options);
  const publicJwk = await exportJWK(publicKey);
  // The kid is the RFC 7638 thumbprint: stable, unique, and meaningless to an attacker.
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  const meta = { kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    publicJwk: { ...publicJwk, ...meta },
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
  };
}
