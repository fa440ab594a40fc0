// Every key Keyward uses is derived from the one KEYWARD_SECRET with HKDF-SHA256 (RFC 5869),
// one `info` label per purpose, so that a key serving one purpose reveals nothing about another.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export interface Keyring {
  /** HMAC key for stored credential hashes (client secrets, API keys). */
  readonly pepper: Buffer;
  /** AES-256-GCM key sealing private signing keys at rest. */
  readonly sealingKey: Buffer;
  /** Keys signing oidc-provider's cookies; identical on every replica. */
  readonly cookieKeys: string[];
  /** HMAC key binding the CSRF token of a form to its interaction. */
  readonly csrfKey: Buffer;
  /** Keys of bearer protocol state at rest: ids stored as HMACs, bearer fields sealed (adapters/bearer-state.ts). */
  readonly protocolState: { idKey: Buffer; sealingKey: Buffer };
}

function derive(secret: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'keyward', info, 32));
}

export function createKeyring(secret: string): Keyring {
  return {
    pepper: derive(secret, 'keyward credential pepper v1'),
    sealingKey: derive(secret, 'keyward signing key sealing v1'),
    cookieKeys: [derive(secret, 'keyward cookie signing v1').toString('base64url')],
    csrfKey: derive(secret, 'keyward csrf v1'),
    protocolState: { idKey: derive(secret, 'keyward protocol state ids v1'), sealingKey: derive(secret, 'keyward protocol state sealing v1') },
  };
}

/** HMAC-SHA256(pepper, value) as base64url: the stored form of a high-entropy credential. */
export function hashCredential(pepper: Buffer, value: string): string {
  return createHmac('sha256', pepper).update(value, 'utf8').digest('base64url');
}

/** Constant-time comparison of two stored-form hashes (equal length by construction). */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
