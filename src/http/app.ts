// The one Koa app: ops endpoints, Keyward's own OAuth endpoints, then oidc-provider for the
// rest of /oauth2 and /.well-known. Errors from Keyward's code are mapped by toHttp().
import Koa, { type Context, type Next } from 'koa';
import type Provider from 'oidc-provider';
import type Router from '@koa/router';
import { KeywardError, toHttp } from '../errors.js';
import type { Logger } from '../logger.js';
import { randomUUID } from 'node:crypto';
import { OAUTH_DISCOVERY_PATH, OPENID_DISCOVERY_PATH } from '../oauth/routes.js';
import { routeLabel, type Metrics } from '../metrics/metrics.js';
import { StorageUnavailableError } from '../storage-unavailable.js';

export type Handler = (ctx: Context) => unknown;

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: Handler;
}

export interface AppDeps {
  logger: Logger;
  provider: () => Provider;
  routes: Route[];
  /** Routers with path parameters (the interaction pages), tried after the exact routes. */
  routers: Router[];
  trustProxy: number;
  metrics: Metrics;
}

function securityHeaders(ctx: Context): void {
  ctx.set('x-content-type-options', 'nosniff');
  ctx.set('referrer-policy', 'no-referrer');
}

function handleErrors(logger: Logger, metrics: Metrics) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof StorageUnavailableError) metrics.storeError(err.store);
      const { status, body, headers } = toHttp(err);
      if (status >= 500) logger.error({ err, path: ctx.path }, 'request failed');
      ctx.status = status;
      ctx.set(headers);
      ctx.set('cache-control', 'no-store');
      ctx.body = body;
    }
  };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function logRequests(logger: Logger, metrics: Metrics) {
  return async (ctx: Context, next: Next) => {
    const started = performance.now();
    // A caller's X-Request-Id is kept (if sane) so logs join up across services.
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set('x-request-id', requestId);
    const path = ctx.path;
    // Logged once the response is written, whether Koa or oidc-provider wrote it. Only the
    // path: query strings can carry codes and state; never headers, cookies or bodies.
    ctx.res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const status = ctx.res.statusCode;
      metrics.observeRequest({ route: routeLabel(path), method: ctx.method, status }, seconds);
      logger.info({ reqId: requestId, method: ctx.method, path, status, ms: Math.round(seconds * 1000) }, 'request');
    });
    await next();
  };
}

// One composed request handler per provider instance (a signing-key change swaps the provider).
const handlers = new WeakMap<Provider, ReturnType<Provider['callback']>>();
function handlerOf(provider: Provider): ReturnType<Provider['callback']> {
  let handler = handlers.get(provider);
  if (!handler) {
    handler = provider.callback();
    handlers.set(provider, handler);
  }
  return handler;
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = deps.trustProxy > 0;
  app.maxIpsCount = deps.trustProxy;
  // Interactions set signed cookies on this app's context: it needs the provider's keys.
  app.keys = deps.provider().keys;
  app.silent = true;

  const table = new Map<string, Map<string, Handler>>();
  for (const route of deps.routes) {
    const byMethod = table.get(route.path) ?? new Map<string, Handler>();
    byMethod.set(route.method, route.handler);
    table.set(route.path, byMethod);
  }

  app.use(logRequests(deps.logger, deps.metrics));
  app.use(async (ctx, next) => {
    securityHeaders(ctx);
    await next();
  });
  app.use(handleErrors(deps.logger, deps.metrics));
  app.use(async (ctx, next) => {
    const byMethod = table.get(ctx.path);
    if (!byMethod) return next();
    const handler = byMethod.get(ctx.method) ?? (ctx.method === 'HEAD' ? byMethod.get('GET') : undefined);
    if (!handler) {
      ctx.set('allow', [...byMethod.keys()].join(', '));
      throw new KeywardError('method_not_allowed', `${ctx.method} is not allowed here`);
    }
    await handler(ctx);
  });
  for (const router of deps.routers) app.use(router.routes()).use(router.allowedMethods());
  app.use(async (ctx) => {
    if (ctx.path === OAUTH_DISCOVERY_PATH) ctx.path = OPENID_DISCOVERY_PATH; // RFC 8414 §3: same metadata
    const mine = ctx.path.startsWith('/oauth2/') || ctx.path === OPENID_DISCOVERY_PATH;
    if (!mine) throw new KeywardError('not_found', 'no such endpoint');
    // oidc-provider is a Koa app of its own: hand it the raw request.
    ctx.respond = false;
    await handlerOf(deps.provider())(ctx.req, ctx.res);
  });
  return app;
}
