// Turns the signing keys stored in Postgres into oidc-provider's `jwks` and Keyward's own
// verification key set. oidc-provider signs with the first key of an algorithm whose key_ops
// allow signing, so a key that is not yet active, or retired, is published verify-only.
import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from 'jose';
import type { SigningKey } from './repository.js';

export interface KeySet {
  /** Private JWKs in signing preference order, for oidc-provider. */
  providerJwks: { keys: JWK[] };
  /** Public JWKs, as /oauth2/jwks publishes them. */
  publicJwks: { keys: JWK[] };
  /** Resolves a token's key from the published set only (never from its header). */
  getKey: JWTVerifyGetKey;
  /** Algorithms Keyward signs access tokens with; anything else is refused on verification. */
  algorithms: string[];
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Which keys sign now: per algorithm, the newest active one that is not retired. */
export function signingKids(keys: SigningKey[], now = new Date()): Set<string> {
  const kids = new Set<string>();
  const seen = new Set<string>();
  for (const k of [...keys].sort((a, b) => b.activeFrom.getTime() - a.activeFrom.getTime())) {
    if (seen.has(k.alg) || k.activeFrom > now || (k.retiredAt !== null && k.retiredAt <= now)) continue;
    seen.add(k.alg);
    kids.add(k.kid);
  }
  return kids;
}

export function buildKeySet(keys: SigningKey[], now = new Date()): KeySet {
  const signers = signingKids(keys, now);
  const signing = (k: SigningKey) => signers.has(k.kid);
  const ordered = [...keys.filter(signing), ...keys.filter((k) => !signing(k))];
  const providerKeys = ordered.map((k) =>
    signing(k) ? { ...k.privateJwk, kid: k.kid, alg: k.alg } : { ...k.privateJwk, kid: k.kid, alg: k.alg, key_ops: ['verify'] },
  );
  const publicKeys = providerKeys.map(
    (k) => Object.fromEntries(Object.entries(k).filter(([member]) => !PRIVATE_MEMBERS.includes(member))) as JWK,
  );
  const publicJwks = { keys: publicKeys };
  return {
    providerJwks: { keys: providerKeys },
    publicJwks,
    getKey: createLocalJWKSet(publicJwks),
    algorithms: [...new Set(keys.map((k) => k.alg))],
  };
}
