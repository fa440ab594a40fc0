// Middleware in front of oidc-provider's routes: refusals at the edge, and the answer to a
// store outage. Every request to oidc-provider passes through all of it, so each layer does its
// work only where it can apply and is otherwise a plain call: one async layer (the outage's)
// rather than three.
import type Provider from 'oidc-provider';
import type { Context, Middleware, Next } from 'koa';
import { KeywardError, StorageUnavailableError, toHttp } from '../../lib/errors.js';
import { unstorablePath } from '../../db/nul-characters.js';
import { OAUTH_ROUTES } from '../paths.js';

/**
 * Whether the query string can hold a NUL once decoded: only as `%00` (Node's HTTP parser
 * refuses a raw one in the request target, but it is checked too). The query is parsed only then.
 */
const mayHoldNul = (querystring: string) => querystring.includes('%00') || querystring.includes('\u0000');

// A plain path (no character of it is special in a pattern).
const END_SESSION = new RegExp(`^${OAUTH_ROUTES.end_session}`, 'i');

export function installEdgeMiddleware(provider: Provider, anonymousLogout: Middleware): void {
  // A NUL byte cannot be stored in Postgres: refused at the edge, before oidc-provider keeps the
  // request's parameters (an interaction, a pushed request), where it would read as an outage.
  // Form bodies are oidc-provider's to read; the SQL adapter refuses what gets past this.
  provider.use((ctx: Context, next: Next) => {
    const nul = mayHoldNul(ctx.querystring) ? unstorablePath(ctx.query) : undefined;
    if (!nul) return next();
    const { status, body } = toHttp(new KeywardError('invalid_request', `${nul} must not contain a NUL character`, nul));
    ctx.status = status;
    ctx.set('cache-control', 'no-store');
    ctx.body = body;
    return undefined;
  });
  // It acts on end_session's answers only: asked wherever oidc-provider's router could route
  // there (it matches paths ASCII case-insensitively, as a non-unicode /i does, with or without
  // a trailing slash), it checks the route itself.
  provider.use((ctx: Context, next: Next) => (END_SESSION.test(ctx.path) ? anonymousLogout(ctx, next) : next()));
  // oidc-provider answers any failure with 500 server_error; a store outage is 503 (fail closed).
  provider.use(async (ctx, next) => {
    await next();
    if (!ctx.state.storageUnavailable) return;
    const { status, body, headers } = toHttp(new StorageUnavailableError('store'));
    ctx.status = status;
    ctx.set(headers);
    ctx.set('cache-control', 'no-store');
    ctx.body = body;
  });
}
