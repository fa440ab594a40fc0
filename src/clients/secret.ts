import { hashCredential } from '../crypto/keyring.js';
import { randomBase62 } from '../crypto/random.js';

// 44 base62 characters carry 261 bits. The prefix lets secret scanners recognise a leak.
const SECRET_PREFIX = 'kwcs_';

export function generateClientSecret(): string {
  return SECRET_PREFIX + randomBase62(44);
}

export function hashClientSecret(pepper: Buffer, secret: string): string {
  return hashCredential(pepper, secret);
}
