// The dashboard (/dashboard): server-rendered pages where an organization's admins manage keys,
// apps and members, and every person sees and revokes the apps acting for them. Signed in with
// Keyward's own login (dashboard/sign-in.ts); every change runs the management API's operation
// as that person (dashboard/operations.ts).
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import type { Config } from '../config/config.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import { KeywardError, RETRY_AFTER_SECONDS, StorageUnavailableError } from '../lib/errors.js';
import type { ProtocolStore } from '../adapters/protocol-store.js';
import type { ProtocolRecords } from '../grants/records.js';
import type { ClientRegistry } from '../clients/registry.js';
import type { MemberService } from '../members/service.js';
import type { Actor } from '../api-keys/service.js';
import type { Operation } from '../management/operations.js';
import { organizationsOfUser } from '../users/repository.js';
import { grantableScopes } from '../policy/grantor.js';
import { signIn } from './sign-in.js';
import { DashboardError, dashboardRenderer, type Page } from './render.js';
import { operationRunner } from './operations.js';
import { shownOnceSecrets } from './shown-once.js';
import { accountPages } from './account-pages.js';
import { organizationPages } from './organization-pages.js';
import { memberPages } from './member-pages.js';

export interface OrganizationContext {
  page: Page;
  actor: Actor;
  /** What the person may hold and grant here (the policy's answer for their role and plan). */
  grantable: string[];
}

export interface DashboardDeps {
  config: Config;
  db: Kysely<Database>;
  provider: () => Provider;
  store: ProtocolStore;
  records: ProtocolRecords;
  registry: ClientRegistry;
  members: MemberService;
  operations: Operation[];
  csrfKey: Buffer;
  sealingKey: Buffer;
  logger: Logger;
}

/** Thrown where a page needs someone signed in: the browser goes to sign in. */
class SignInRequired extends Error {}

export function dashboardRoutes(deps: DashboardDeps): Router {
  const router = new Router();
  const { config, db } = deps;
  const flow = signIn({ issuer: config.issuer, db, provider: deps.provider });
  const render = dashboardRenderer({ issuer: config.issuer, csrfKey: deps.csrfKey, cacheViews: config.env === 'production' });
  const operations = operationRunner(deps.operations);

  async function page(ctx: Context, section: string): Promise<Page> {
    const user = await flow.signedIn(ctx);
    if (!user) throw new SignInRequired();
    return { user, organizations: await organizationsOfUser(db, user.userId), section };
  }

  async function context(ctx: Context, section: string): Promise<OrganizationContext> {
    const base = await page(ctx, section);
    const organization = base.organizations.find((o) => o.id === ctx.params.org);
    if (!organization) throw new DashboardError(404, 'No such organization', 'It does not exist, or you are not one of its members.');
    // Signed in directly (not through a token), a person holds what their role may hold under
    // the organization's plan: the policy's answer, as for consent.
    const holds = grantableScopes(config.plans[organization.plan] ?? [], { kind: 'user', role: organization.role });
    return {
      page: { ...base, organization },
      actor: { organizationId: organization.id, id: base.user.userId, grantor: { kind: 'user', role: organization.role, holds } },
      grantable: holds,
    };
  }

  router.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof SignInRequired) {
        if (ctx.method === 'GET') return ctx.redirect('/dashboard/sign-in');
        return render.renderError(ctx, new DashboardError(401, 'You are signed out', 'Sign in again, then repeat what you were doing.'));
      }
      if (err instanceof DashboardError) return render.renderError(ctx, err);
      if (err instanceof StorageUnavailableError) {
        ctx.set('retry-after', String(RETRY_AFTER_SECONDS));
        return render.renderError(ctx, new DashboardError(503, 'Keyward is unavailable for a moment', 'Try again in a few seconds.'));
      }
      if (err instanceof KeywardError && err.status < 500) return render.renderError(ctx, new DashboardError(err.status, 'This was refused', err.description));
      deps.logger.error({ err, path: ctx.path }, 'dashboard page failed');
      return render.renderError(ctx, new DashboardError(500, 'Something went wrong', 'Go back and try again.'));
    }
  });

  flow.routes(router);
  const secrets = shownOnceSecrets(deps.store, deps.sealingKey);
  accountPages(router, { db, provider: deps.provider, records: deps.records, registry: deps.registry, members: deps.members, render, page });
  organizationPages(router, { render, operations, secrets, context });
  memberPages(router, { render, operations, context });
  return router;
}
