// What is the signed-in person's own: the dashboard's home (their organizations and open
// invitations) and the third-party apps acting for them, which they can revoke.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import type { Database } from '../db/schema.js';
import type { ProtocolRecords } from '../grants/records.js';
import type { ClientRegistry } from '../clients/registry.js';
import type { MemberService } from '../members/service.js';
import { openInvitationsForEmail } from '../members/invitations.js';
import { recordAudit } from '../audit/record.js';
import type { DashboardRenderer, Page } from './render.js';

export interface AccountPageDeps {
  db: Kysely<Database>;
  provider: () => Provider;
  records: ProtocolRecords;
  registry: ClientRegistry;
  members: MemberService;
  render: DashboardRenderer;
  /** The signed-in person's page (or a redirect to sign in). */
  page(ctx: Context, section: string): Promise<Page>;
}

export function accountPages(router: Router, deps: AccountPageDeps) {
  const { render } = deps;

  router.get('/dashboard', async (ctx) => {
    const page = await deps.page(ctx, 'home');
    const invitations = await openInvitationsForEmail(deps.db, page.user.email);
    await render.render(ctx, 'home', page, { invitations });
  });

  router.get('/dashboard/switch', async (ctx) => {
    const page = await deps.page(ctx, 'home');
    const org = page.organizations.find((o) => o.id === ctx.query.org);
    const section = typeof ctx.query.section === 'string' && ['api-keys', 'apps', 'members', 'audit'].includes(ctx.query.section) ? ctx.query.section : 'api-keys';
    ctx.redirect(org ? `/dashboard/${org.id}/${section}` : '/dashboard');
  });

  router.post('/dashboard/invitations/:id/accept', async (ctx) => {
    const page = await deps.page(ctx, 'home');
    await render.form(ctx, page.user);
    const { organizationId } = await deps.members.accept(page.user.userId, ctx.params.id!.slice(0, 64));
    ctx.status = 303;
    ctx.redirect(`/dashboard/${organizationId}/api-keys`);
  });

  router.get('/dashboard/connected-apps', async (ctx) => {
    const page = await deps.page(ctx, 'connected-apps');
    const apps = await Promise.all(
      (await deps.records.appsOfAccount(page.user.userId)).map(async (app) => {
        const [client, grant] = await Promise.all([deps.registry.find(app.clientId), deps.provider().Grant.find(app.grantId)]);
        const scopes = Object.values(grant?.resources ?? {}).flatMap((scope) => String(scope).split(' ')).filter(Boolean);
        const organization = page.organizations.find((o) => o.id === app.organizationId);
        return { ...app, name: client?.name ?? 'A deleted app', organizationName: organization?.name ?? 'an organization you left', scopes: [...new Set(scopes)] };
      }),
    );
    await render.render(ctx, 'connected-apps', page, { apps });
  });

  router.post('/dashboard/connected-apps/revoke', async (ctx) => {
    const page = await deps.page(ctx, 'connected-apps');
    const form = await render.form(ctx, page.user);
    const clientId = (form.get('client_id') ?? '').slice(0, 64);
    const organizationId = (form.get('organization_id') ?? '').slice(0, 64);
    if (await deps.records.appGrant(page.user.userId, clientId, organizationId)) {
      await deps.records.revokeAppGrant(page.user.userId, clientId, organizationId);
      await recordAudit(deps.db, { organizationId, actor: page.user.userId, action: 'oauth_grant.revoked', target: clientId });
    }
    ctx.status = 303;
    ctx.redirect('/dashboard/connected-apps');
  });
}
