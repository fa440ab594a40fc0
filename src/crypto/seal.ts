// Secrets stored sealed: AES-256-GCM under a key derived from KEYWARD_SECRET, with associated
// data naming what the value belongs to, so a sealed blob cannot be swapped onto another row
// (private signing keys, bearer values inside protocol state).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { pooledRandomBytes } from './random.js';

const VERSION = 'v1';

export function seal(key: Buffer, plaintext: string, associatedData: string): string {
  // A fresh random 96-bit IV per value (NIST SP 800-38D §8.2.2).
  const iv = pooledRandomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

export function unseal(key: Buffer, sealed: string, associatedData: string): string {
  const [version, iv, body, tag] = sealed.split('.');
  if (version !== VERSION || !iv || !body || !tag) throw new Error('unrecognised sealed value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('a sealed value cannot be unsealed: KEYWARD_SECRET differs from the one that sealed it');
  }
}
