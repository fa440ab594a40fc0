// private_key_jwt (RFC 7523 §2.2): the client proves itself with a short JWT signed by its
// private key. Signed with node:crypto, so that the client package depends on nothing; the four
// algorithms are the ones Keyward accepts for client authentication.
import { createPrivateKey, KeyObject, randomUUID, sign, constants, type JsonWebKey, type webcrypto } from 'node:crypto';

export type ClientAssertionAlgorithm = 'ES256' | 'RS256' | 'PS256' | 'EdDSA';

export interface ClientAssertionKey {
  /** The private key: a JWK (with `d`), a KeyObject or a WebCrypto CryptoKey. */
  key: JsonWebKey | KeyObject | webcrypto.CryptoKey;
  alg: ClientAssertionAlgorithm;
  /** The `kid` of the public JWK registered with the client. */
  kid?: string;
}

interface SigningAlgorithm {
  hash: 'sha256' | null;
  keyTypes: readonly string[];
  curve?: string;
  options?: { dsaEncoding?: 'ieee-p1363'; padding?: number; saltLength?: number };
}

// RFC 7518 §3.1.
const ALGORITHMS: Record<ClientAssertionAlgorithm, SigningAlgorithm> = {
  // RFC 7518 §3.4: the signature is r || s, not the DER node:crypto writes by default.
  ES256: { hash: 'sha256', keyTypes: ['ec'], curve: 'prime256v1', options: { dsaEncoding: 'ieee-p1363' } },
  RS256: { hash: 'sha256', keyTypes: ['rsa'] },
  // RFC 7518 §3.5: the salt is as long as the hash.
  PS256: { hash: 'sha256', keyTypes: ['rsa', 'rsa-pss'], options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } },
  // RFC 8037 §3.1: Ed25519 hashes internally.
  EdDSA: { hash: null, keyTypes: ['ed25519'] },
};

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function privateKeyObject(key: ClientAssertionKey['key']): KeyObject {
  if (key instanceof KeyObject) return key;
  if ('kty' in key) return createPrivateKey({ key, format: 'jwk' });
  return KeyObject.from(key as webcrypto.CryptoKey);
}

function canSign(key: KeyObject, algorithm: SigningAlgorithm): boolean {
  const details = key.asymmetricKeyDetails ?? {};
  return (
    key.type === 'private' &&
    algorithm.keyTypes.includes(key.asymmetricKeyType ?? '') &&
    (!algorithm.curve || details.namedCurve === algorithm.curve) &&
    // RFC 7518 §3.3 and §3.5: RSA keys of 2048 bits or more; the server refuses shorter ones.
    (details.modulusLength === undefined || details.modulusLength >= 2048)
  );
}

/**
 * Checks the key once, when the token client is created; the function it returns signs a fresh
 * assertion for each token request, addressed to the token endpoint.
 */
export function clientAssertionSigner(clientId: string, { key, alg, kid }: ClientAssertionKey): (tokenEndpoint: string) => string {
  const algorithm = Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
  if (!algorithm) throw new TypeError(`privateKey.alg must be one of ${Object.keys(ALGORITHMS).join(', ')}`);
  const privateKey = privateKeyObject(key);
  if (!canSign(privateKey, algorithm)) throw new TypeError(`privateKey.key is not a private key that can sign ${alg}`);
  const header = base64url({ alg, ...(kid ? { kid } : {}) });
  return (tokenEndpoint) => {
    const iat = Math.floor(Date.now() / 1000);
    // RFC 7523 §3: issuer and subject are the client, audience the token endpoint; the jti
    // lets the server refuse a replay.
    const claims = base64url({ iss: clientId, sub: clientId, aud: tokenEndpoint, jti: randomUUID(), iat, exp: iat + 60 });
    const signature = sign(algorithm.hash, Buffer.from(`${header}.${claims}`), { key: privateKey, ...algorithm.options });
    return `${header}.${claims}.${signature.toString('base64url')}`;
  };
}
