// Registration-time checks of client metadata (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §2.1).
import { KeywardError } from '../lib/errors.js';

export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

export function validateRedirectUri(value: string): string {
  const fail = (why: string) => new KeywardError('invalid_redirect_uri', `redirect URI ${JSON.stringify(value)} ${why}`, 'redirect_uris');
  if (value.length > 2000) throw fail('is too long');
  if (!URL.canParse(value)) throw fail('is not an absolute URI');
  const url = new URL(value);
  if (value.includes('#')) throw fail('must not contain a fragment');
  if (FORBIDDEN_SCHEMES.has(url.protocol)) throw fail('uses a forbidden scheme');
  if (url.username || url.password) throw fail('must not carry credentials');
  if (url.protocol === 'https:') return value;
  if (url.protocol === 'http:') {
    if (LOOPBACK_HOSTS.has(url.hostname)) return value;
    throw fail('must use https unless it points at a loopback address');
  }
  // Private-use schemes of native apps must be reverse domain names (RFC 8252 §7.1).
  if (/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) return value;
  throw fail('uses an unsupported scheme');
}

export function validateGrantTypes(grants: readonly string[], isPublic: boolean): GrantType[] {
  if (grants.length === 0) throw new KeywardError('invalid_client_metadata', 'at least one grant type is required', 'grant_types');
  for (const grant of grants) {
    if (!(GRANT_TYPES as readonly string[]).includes(grant)) {
      throw new KeywardError('invalid_client_metadata', `unsupported grant type ${JSON.stringify(grant)}`, 'grant_types');
    }
  }
  const set = new Set(grants as GrantType[]);
  // Apps get refresh tokens by default, as SaaS OAuth apps expect (docs/product-contract.md §3).
  if (set.has('authorization_code')) set.add('refresh_token');
  if (set.has('refresh_token') && !set.has('authorization_code')) {
    throw new KeywardError('invalid_client_metadata', 'refresh_token requires authorization_code', 'grant_types');
  }
  if (isPublic && set.has('client_credentials')) {
    throw new KeywardError('invalid_client_metadata', 'a public client cannot use client_credentials', 'grant_types');
  }
  return GRANT_TYPES.filter((g) => set.has(g));
}

export function validateScope(scope: string, allowed: readonly string[]): string {
  const scopes = [...new Set(scope.split(' ').filter(Boolean))];
  const known = new Set(allowed);
  for (const s of scopes) {
    if (!known.has(s)) throw new KeywardError('invalid_scope', `unknown scope ${JSON.stringify(s)}`, 'scope');
  }
  return scopes.join(' ');
}
