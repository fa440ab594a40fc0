// Mounts the management operations under /v1: authenticate, check the scope, validate the
// body, run, answer JSON. Errors take the product's one shape (toHttp, in server/app.ts).
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { KeywardError } from '../lib/errors.js';
import { grantorHolds } from '../policy/grantor.js';
import { unstorablePath } from '../db/nul-characters.js';
import type { Authenticate } from './authenticate.js';
import { readJson, schemaError } from '../http/json-body.js';
import type { Operation } from './operations.js';

const Page = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(10),
    starting_after: z.string().max(64).optional(),
  })
  .strip();

function koaPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

export function managementRouter(operations: Operation[], authenticate: Authenticate, openapi: object): Router {
  const router = new Router();

  // Errors are mapped by the app's one handler (server/app.ts), which also counts store outages.
  router.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      ctx.set('cache-control', 'no-store');
    }
  });

  router.get('/v1/openapi.json', (ctx) => {
    ctx.body = openapi;
  });

  for (const operation of operations) {
    router[operation.method](koaPath(operation.path), async (ctx: Context & { params: Record<string, string> }) => {
      const actor = await authenticate(ctx);
      if (!grantorHolds(actor.grantor, operation.scope)) {
        throw new KeywardError('insufficient_scope', `this requires the ${operation.scope} scope`, undefined, { scope: operation.scope });
      }
      const body = operation.request ? await readJson(ctx, operation.request) : {};
      const nul = unstorablePath(ctx.query);
      if (nul) throw new KeywardError('invalid_request', `${nul} must not contain a NUL character`, nul);
      const page = Page.safeParse(ctx.query);
      if (!page.success) throw schemaError(page.error);
      const filters = operation.filters ? operation.filters.strip().safeParse(ctx.query) : undefined;
      if (filters && !filters.success) throw schemaError(filters.error);
      const result = await operation.handle({
        actor,
        params: ctx.params,
        body: body as Record<string, unknown>,
        page: { limit: page.data.limit, startingAfter: page.data.starting_after },
        filters: filters?.data ?? {},
      });
      ctx.status = operation.status;
      ctx.body = result;
    });
  }

  // Anything else under /v1 is a JSON 404 (or 405), never the protocol server's.
  router.all('/v1/{*rest}', () => {
    throw new KeywardError('not_found', 'no such endpoint');
  });
  return router;
}
