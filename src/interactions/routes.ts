// Login, organization picker and consent: the pages a user sees during /oauth2/authorize.
// oidc-provider decides which prompt is due; these routes render it and report the result.
import Router from '@koa/router';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import type { Config } from '../config/config.js';
import type { Database } from '../db/schema.js';
import type { ClientRegistry } from '../clients/registry.js';
import type { Logger } from '../lib/logger.js';
import { KeywardError } from '../lib/errors.js';
import type { ProtocolRecords } from '../grants/records.js';
import { consents } from '../grants/consent.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import type { MemberService } from '../members/service.js';
import type { Audiences } from '../policy/audiences.js';
import { interactionPages, PageError } from './page.js';
import { loginRoutes } from './login.js';
import { consentRoutes } from './consent-steps.js';

export interface InteractionDeps {
  config: Config;
  audiences: Audiences;
  db: Kysely<Database>;
  provider: () => Provider;
  registry: ClientRegistry;
  records: ProtocolRecords;
  members: MemberService;
  limiter: RateLimiter;
  csrfKey: Buffer;
  pepper: Buffer;
  logger: Logger;
}

export function interactionRoutes(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  const { config, db, csrfKey } = deps;
  const pages = interactionPages({ issuer: config.issuer, cacheViews: config.env === 'production', db, provider: deps.provider, registry: deps.registry, csrfKey });

  router.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      let page = err;
      if (err instanceof KeywardError && err.status < 500) page = new PageError(err.status, 'This request was refused', err.description);
      if (!(page instanceof PageError)) {
        deps.logger.error({ err, path: ctx.path }, 'interaction failed');
        page = new PageError(500, 'Something went wrong', 'Return to the application and try again.');
      }
      const { status, title, detail } = page as PageError;
      await pages.render(ctx, 'error', { title, detail });
      ctx.status = status;
    }
  });

  const { showLogin } = loginRoutes(router, { db, limiter: deps.limiter, csrfKey, pepper: deps.pepper }, pages);
  const grants = consents({ provider: deps.provider, records: deps.records, audiences: deps.audiences, grantTtl: config.refreshTokenTtl });
  const { showConsentStep } = consentRoutes(
    router,
    { db, records: deps.records, consents: grants, members: deps.members, audiences: deps.audiences, plans: config.plans, csrfKey },
    pages,
  );

  router.get('/', async (ctx) => {
    const details = await pages.interaction(ctx);
    if (details.prompt.name === 'login') await showLogin(ctx, details);
    else if (details.prompt.name === 'consent') await showConsentStep(ctx, details);
    else throw new PageError(400, 'This sign-in step is not supported', 'Return to the application and start again.');
  });

  return router;
}
