// What guards a browser form post on Keyward's own pages (sign-in and dashboard): a CSRF token,
// an HMAC of what the form is bound to (an interaction, a dashboard session), and a same-origin
// check. The binding is tied to the browser by a signed cookie, so a token is worthless to any
// other browser, and a page of another origin can neither read it nor post without it.
import { createHmac } from 'node:crypto';
import type { Context } from 'koa';
import { hashesEqual } from '../crypto/keyring.js';

export function csrfToken(key: Buffer, binding: string): string {
  return createHmac('sha256', key).update(binding).digest('base64url');
}

export function csrfValid(key: Buffer, binding: string, presented: string | undefined): boolean {
  return typeof presented === 'string' && hashesEqual(csrfToken(key, binding), presented);
}

/** A post that says it comes from another origin (Origin, or Sec-Fetch-Site). */
export function crossOrigin(ctx: Context, origin: string): boolean {
  const from = ctx.get('origin');
  return (from !== '' && from !== origin) || ctx.get('sec-fetch-site') === 'cross-site';
}
