// The Koa app of Keyward's own routes: ops endpoints, userinfo, the interaction pages and the
// management API. oidc-provider's routes (and both discovery documents, which it serves
// itself) and the introspection and revocation endpoints are answered directly on node:http
// (server/start.ts). Errors are answered by the failure reporter (http/failure.ts). Request ids,
// logs, metrics and baseline headers are added around all of them (server/request-observer.ts).
import Koa, { type Context, type Next } from 'koa';
import type Provider from 'oidc-provider';
import type Router from '@koa/router';
import { KeywardError } from '../lib/errors.js';
import type { FailureReporter } from '../http/failure.js';

export type Handler = (ctx: Context) => unknown;

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: Handler;
}

export interface AppDeps {
  reportFailure: FailureReporter;
  provider: () => Provider;
  routes: Route[];
  /** Routers with path parameters (the interaction pages), tried after the exact routes. */
  routers: Router[];
  trustProxy: number;
}

function handleErrors(report: FailureReporter) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      const { status, body, headers } = report(err, ctx.path);
      ctx.status = status;
      ctx.set(headers);
      ctx.set('cache-control', 'no-store');
      ctx.body = body;
    }
  };
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

  app.use(handleErrors(deps.reportFailure));
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
  app.use(() => {
    throw new KeywardError('not_found', 'no such endpoint');
  });
  return app;
}
