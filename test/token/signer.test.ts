// The fast paths' access-token signing (src/token/signer.ts, access-token.ts) with node:crypto,
// for every algorithm ACCESS_TOKEN_ALG admits: the token verifies with the published public
// key under jose, and carries the header and claims oidc-provider's JWT format writes.
import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { signAccessToken } from '../../src/token/access-token.js';
import { signerCache } from '../../src/token/signer.js';
import type { KeySet } from '../../src/signing-keys/key-set.js';

const ALGS = ['ES256', 'RS256', 'PS256', 'EdDSA'] as const;

async function keyPair(alg: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const kid = `kid-${alg}`;
  return { privateJwk: { ...(await exportJWK(privateKey)), alg, kid, use: 'sig' } as JWK, publicKey };
}

const keySetOf = (...keys: JWK[]) => ({ providerJwks: { keys } }) as unknown as KeySet;

const claims = { jti: 'j'.repeat(43), organizationId: 'org_1', sub: 'usr_1', clientId: 'cli_1', scope: 'invoices:read', audience: 'https://api.example', issuer: 'https://id.example', ttl: 600 };

describe('access tokens signed on the fast paths', () => {
  for (const alg of ALGS) {
    it(`signs ${alg} that verifies with the public key, with oidc-provider's header and claims`, async () => {
      const { privateJwk, publicKey } = await keyPair(alg);
      const signer = signerCache(alg)(keySetOf(privateJwk));
      expect(signer).toBeDefined();
      const token = await signAccessToken(signer!, claims);
      const { payload, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: [alg], issuer: claims.issuer, audience: claims.audience, typ: 'at+jwt' });
      expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: `kid-${alg}` });
      expect(Object.keys(decodeProtectedHeader(token))).toEqual(['alg', 'typ', 'kid']);
      expect(Object.keys(payload)).toEqual(['organizationId', 'jti', 'sub', 'iat', 'exp', 'scope', 'client_id', 'iss', 'aud']);
      expect(payload).toMatchObject({ organizationId: 'org_1', jti: claims.jti, sub: 'usr_1', scope: 'invoices:read', client_id: 'cli_1', exp: Number(payload.iat) + 600 });
    });
  }

  it('leaves out an empty scope, as oidc-provider does', async () => {
    const { privateJwk, publicKey } = await keyPair('ES256');
    const token = await signAccessToken(signerCache('ES256')(keySetOf(privateJwk))!, { ...claims, scope: '' });
    expect((await jwtVerify(token, publicKey)).payload).not.toHaveProperty('scope');
  });

  it('has no signer, leaving the token to oidc-provider, without a usable key of the algorithm', async () => {
    const { privateJwk } = await keyPair('RS256');
    expect(signerCache('ES256')(keySetOf(privateJwk))).toBeUndefined();
    expect(signerCache('ES256')(keySetOf({ ...privateJwk, alg: 'ES256', kty: 'EC', crv: 'P-256', x: 'bad', y: 'bad', d: 'bad' }))).toBeUndefined();
    expect(signerCache('ES256')(keySetOf())).toBeUndefined();
  });

  it('imports a key set once', async () => {
    const { privateJwk } = await keyPair('ES256');
    const signerFor = signerCache('ES256');
    const keySet = keySetOf(privateJwk);
    expect(signerFor(keySet)).toBe(signerFor(keySet));
  });
});
