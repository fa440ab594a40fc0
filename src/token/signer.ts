// The key oidc-provider signs access tokens with, imported once per key set: the first signing
// key of the configured algorithm (signing-keys/key-set.ts). A key that cannot be imported
// leaves the signing to oidc-provider.
//
// Signed with node:crypto's own sign() on libuv's thread pool rather than WebCrypto through
// jose: the same JWS (RFC 7515, algorithms of RFC 7518 and RFC 8037) for half the CPU per
// token, WebCrypto's argument checking and jose's claim checks being most of the other half
// (docs/benchmarks.md). The token's bytes are built by access-token.ts.
import { constants, createPrivateKey, sign, type JsonWebKey, type KeyObject, type SignKeyObjectInput } from 'node:crypto';
import type { JWK } from 'jose';
import type { KeySet } from '../signing-keys/key-set.js';

export interface Signer {
  /** The JWS protected header of an access token, base64url-encoded: {"alg", "typ": "at+jwt", "kid"}, as oidc-provider writes it. */
  header: string;
  /** The JWS signature of `input`, as the algorithm's JWS encoding wants it (ECDSA: r || s). */
  sign(input: Buffer): Promise<Buffer>;
}

/** node:crypto's digest and key options for each JWS algorithm Keyward signs with (config's SIGNING_ALGS). */
function signingOptions(alg: string, key: KeyObject): { digest: string | null; key: KeyObject | SignKeyObjectInput } | undefined {
  switch (alg) {
    case 'ES256':
      return { digest: 'sha256', key: { key, dsaEncoding: 'ieee-p1363' } };
    case 'RS256':
      return { digest: 'sha256', key };
    case 'PS256':
      return { digest: 'sha256', key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } };
    case 'EdDSA':
      return { digest: null, key };
    default:
      return undefined;
  }
}

function signerOf(jwk: JWK, alg: string): Signer | undefined {
  let options: ReturnType<typeof signingOptions>;
  try {
    options = signingOptions(alg, createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }));
  } catch {
    return undefined;
  }
  if (!options) return undefined;
  const { digest, key } = options;
  return {
    header: Buffer.from(JSON.stringify({ alg, typ: 'at+jwt', kid: String(jwk.kid) })).toString('base64url'),
    sign: (input) => new Promise((resolve, reject) => sign(digest, input, key, (err, signature) => (err ? reject(err) : resolve(signature)))),
  };
}

export function signerCache(alg: string): (keySet: KeySet) => Signer | undefined {
  const signers = new WeakMap<KeySet, Signer | undefined>();
  return (keySet) => {
    if (!signers.has(keySet)) {
      const jwk = keySet.providerJwks.keys.find((k) => k.alg === alg && !k.key_ops);
      signers.set(keySet, jwk ? signerOf(jwk, alg) : undefined);
    }
    return signers.get(keySet);
  };
}
