// CSRF tokens for the interaction forms: HMAC of the interaction uid. The uid itself is bound
// to the browser by oidc-provider's signed interaction cookie, so a token is worthless to any
// other browser, and a form from another origin cannot read it.
import { createHmac } from 'node:crypto';
import { hashesEqual } from '../crypto/keyring.js';

export function csrfToken(key: Buffer, uid: string): string {
  return createHmac('sha256', key).update(`interaction:${uid}`).digest('base64url');
}

export function csrfValid(key: Buffer, uid: string, presented: string | undefined): boolean {
  return typeof presented === 'string' && hashesEqual(csrfToken(key, uid), presented);
}
