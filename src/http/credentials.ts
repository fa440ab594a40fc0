// Where a caller's credential is: `x-api-key`, or `Authorization: Bearer`. Never the URL
// (RFC 6750 §2.3, §5.3): a credential in the query string is refused outright.
import type { Context } from 'koa';
import { KeywardError } from '../lib/errors.js';

const QUERY_CREDENTIALS = ['api_key', 'apikey', 'key', 'access_token', 'token'];

/** The credential, and whether it came as `x-api-key` (where only an API key belongs). */
export function presentedCredential(ctx: Context): { credential: string; asApiKey: boolean } {
  for (const name of QUERY_CREDENTIALS) {
    if (ctx.query[name] !== undefined) {
      throw new KeywardError('invalid_request', 'send credentials in the x-api-key or Authorization header, never in the URL', name);
    }
  }
  const header = ctx.get('x-api-key').trim();
  const authorization = ctx.get('authorization').trim();
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (authorization && !bearer) throw new KeywardError('invalid_request', 'the Authorization header must be "Bearer <credential>"');
  if (header && bearer && header !== bearer) throw new KeywardError('invalid_request', 'x-api-key and Authorization carry different credentials');
  const credential = header || bearer;
  if (!credential) throw new KeywardError('missing_credentials', 'send an API key in x-api-key or an access token in Authorization: Bearer');
  return { credential, asApiKey: header !== '' };
}
