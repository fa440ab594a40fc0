// The key oidc-provider signs access tokens with, imported once per key set: the first signing
// key of the configured algorithm (signing-keys/key-set.ts). A key that cannot be imported
// leaves the signing to oidc-provider.
import { importJWK, type JWK } from 'jose';
import type { KeySet } from '../signing-keys/key-set.js';

export type Signer = { kid: string; key: Awaited<ReturnType<typeof importJWK>> };

export function signerCache(alg: string): (keySet: KeySet) => Promise<Signer | undefined> {
  const signers = new WeakMap<KeySet, Promise<Signer | undefined>>();
  return (keySet) => {
    let signer = signers.get(keySet);
    if (!signer) {
      const jwk = keySet.providerJwks.keys.find((k) => k.alg === alg && !k.key_ops);
      signer = jwk
        ? importJWK(jwk as JWK, alg).then(
            (key) => ({ kid: String(jwk.kid), key }),
            () => undefined,
          )
        : Promise.resolve(undefined);
      signers.set(keySet, signer);
    }
    return signer;
  };
}
