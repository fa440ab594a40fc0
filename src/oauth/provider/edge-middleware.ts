// Middleware in front of oidc-provider's routes: refusals at the edge, and the answer to a
// store outage.
import type Provider from 'oidc-provider';
import type { Middleware } from 'koa';
import { KeywardError, StorageUnavailableError, toHttp } from '../../lib/errors.js';
import { unstorablePath } from '../../db/nul-characters.js';

export function installEdgeMiddleware(provider: Provider, anonymousLogout: Middleware): void {
  // A NUL byte cannot be stored in Postgres: refused at the edge, before oidc-provider keeps the
  // request's parameters (an interaction, a pushed request), where it would read as an outage.
  // Form bodies are oidc-provider's to read; the SQL adapter refuses what gets past this.
  provider.use(async (ctx, next) => {
    const nul = unstorablePath(ctx.query);
    if (!nul) return next();
    const { status, body } = toHttp(new KeywardError('invalid_request', `${nul} must not contain a NUL character`, nul));
    ctx.status = status;
    ctx.set('cache-control', 'no-store');
    ctx.body = body;
  });
  provider.use(anonymousLogout);
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
