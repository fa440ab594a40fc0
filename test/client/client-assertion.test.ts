// private_key_jwt assertions signed with node:crypto, checked by jose (the library Keyward's
// token endpoint verifies them with): every algorithm Keyward accepts, from every key form.
import { generateKeyPairSync, webcrypto, type KeyObject, type KeyPairKeyObjectResult } from 'node:crypto';
import { jwtVerify, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { clientAssertionSigner, type ClientAssertionAlgorithm } from '../../packages/client/src/client-assertion.js';

const TOKEN_ENDPOINT = 'https://auth.example.com/oauth2/token';
const pairs: Record<ClientAssertionAlgorithm, () => KeyPairKeyObjectResult> = {
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  EdDSA: () => generateKeyPairSync('ed25519'),
};
const webCryptoAlgorithms = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};
const keyForms = {
  'a KeyObject': async (key: KeyObject) => key,
  'a private JWK': async (key: KeyObject) => key.export({ format: 'jwk' }),
  // Not extractable: the signer must not need to export it.
  'a CryptoKey': async (key: KeyObject, alg: ClientAssertionAlgorithm) =>
    webcrypto.subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), webCryptoAlgorithms[alg], false, ['sign']),
};

describe('private_key_jwt assertions', () => {
  const cases = (Object.keys(pairs) as ClientAssertionAlgorithm[]).flatMap((alg) => Object.keys(keyForms).map((form) => [alg, form] as const));

  it.each(cases)('%s from %s verifies under jose, with the claims RFC 7523 asks for', async (alg, form) => {
    const { privateKey, publicKey } = pairs[alg]();
    const sign = clientAssertionSigner('cli_1', { key: await keyForms[form as keyof typeof keyForms](privateKey, alg), alg, kid: 'k1' });
    const assertion = sign(TOKEN_ENDPOINT);
    const { payload } = await jwtVerify(assertion, publicKey, { algorithms: [alg], issuer: 'cli_1', subject: 'cli_1', audience: TOKEN_ENDPOINT });
    expect(decodeProtectedHeader(assertion)).toEqual({ alg, kid: 'k1' });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(sign(TOKEN_ENDPOINT)).not.toBe(assertion); // a fresh jti each time
  });

  it.each([
    ['a public key', () => ({ key: pairs.ES256().publicKey, alg: 'ES256' as const })],
    ['an RSA key for ES256', () => ({ key: pairs.RS256().privateKey, alg: 'ES256' as const })],
    ['a P-384 key for ES256', () => ({ key: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, alg: 'ES256' as const })],
    ['an EC key for RS256', () => ({ key: pairs.ES256().privateKey, alg: 'RS256' as const })],
    ['a 1024-bit RSA key', () => ({ key: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, alg: 'PS256' as const })],
    ['an algorithm Keyward does not accept', () => ({ key: pairs.ES256().privateKey, alg: 'HS256' as ClientAssertionAlgorithm })],
  ])('refuses %s when the client is created', (_, key) => {
    expect(() => clientAssertionSigner('cli_1', key())).toThrow(TypeError);
  });
});
