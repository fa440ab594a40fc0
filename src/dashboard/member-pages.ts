// An organization's members and its audit log, through the management API's operations.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { OperationRunner } from './operations.js';
import type { DashboardRenderer } from './render.js';
import type { OrganizationContext } from './routes.js';

export interface MemberPageDeps {
  render: DashboardRenderer;
  operations: OperationRunner;
  context(ctx: Context, section: string): Promise<OrganizationContext>;
}

const AUDIT_FAMILIES = ['api_key.', 'oauth_client.', 'oauth_grant.', 'member.'];
const AUDIT_PAGE = 25;

export function memberPages(router: Router, deps: MemberPageDeps) {
  const { render, operations } = deps;
  const base = (o: OrganizationContext) => `/dashboard/${o.page.organization!.id}`;
  const backTo = (ctx: Context, o: OrganizationContext) => {
    ctx.status = 303;
    ctx.redirect(`${base(o)}/members`);
  };

  router.get('/dashboard/:org/members', async (ctx) => {
    const o = await deps.context(ctx, 'members');
    const allowed = operations.may(o.actor, 'get /v1/members');
    const members = allowed ? ((await operations.run(o.actor, 'get /v1/members')).data as unknown[]) : [];
    await render.render(ctx, 'members', o.page, { allowed, canWrite: operations.may(o.actor, 'post /v1/members'), members });
  });

  router.post('/dashboard/:org/members', async (ctx) => {
    const o = await deps.context(ctx, 'members');
    const form = await render.form(ctx, o.page.user);
    await operations.run(o.actor, 'post /v1/members', { body: { email: form.get('email') ?? '', role: form.get('role') || undefined } });
    backTo(ctx, o);
  });

  router.post('/dashboard/:org/members/:id/role', async (ctx) => {
    const o = await deps.context(ctx, 'members');
    const form = await render.form(ctx, o.page.user);
    await operations.run(o.actor, 'post /v1/members/{id}', { params: { id: ctx.params.id! }, body: { role: form.get('role') ?? '' } });
    backTo(ctx, o);
  });

  router.get('/dashboard/:org/members/:id/remove', async (ctx) => {
    const o = await deps.context(ctx, 'members');
    const members = (await operations.run(o.actor, 'get /v1/members')).data as Array<{ id: string; email: string; status: string }>;
    const member = members.find((m) => m.id === ctx.params.id);
    if (!member) {
      backTo(ctx, o);
      return;
    }
    const invited = member.status === 'invited';
    await render.render(ctx, 'confirm', o.page, {
      heading: invited ? `Withdraw the invitation to ${member.email}?` : `Remove ${member.email}?`,
      detail: invited ? 'The invitation stops working.' : `They lose access to ${o.page.organization!.name} at once, and the apps they authorized for it stop working.`,
      action: `${base(o)}/members/${member.id}/remove`,
      button: invited ? 'Withdraw invitation' : 'Remove member',
      back: `${base(o)}/members`,
    });
  });

  router.post('/dashboard/:org/members/:id/remove', async (ctx) => {
    const o = await deps.context(ctx, 'members');
    await render.form(ctx, o.page.user);
    await operations.run(o.actor, 'delete /v1/members/{id}', { params: { id: ctx.params.id! } });
    backTo(ctx, o);
  });

  router.get('/dashboard/:org/audit', async (ctx) => {
    const o = await deps.context(ctx, 'audit');
    const allowed = operations.may(o.actor, 'get /v1/audit-events');
    const action = typeof ctx.query.action === 'string' && AUDIT_FAMILIES.includes(ctx.query.action) ? ctx.query.action : undefined;
    const after = typeof ctx.query.after === 'string' ? ctx.query.after.slice(0, 64) : undefined;
    const events = allowed
      ? await operations.run(o.actor, 'get /v1/audit-events', { page: { limit: AUDIT_PAGE, startingAfter: after }, filters: action ? { action } : {} })
      : { data: [], has_more: false };
    await render.render(ctx, 'audit', o.page, { allowed, events: events.data, hasMore: events.has_more, action: action ?? '', families: AUDIT_FAMILIES });
  });
}
