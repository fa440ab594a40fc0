// An organization's pages: API keys, OAuth apps, members, audit log. Reads and changes go
// through the management API's operations (dashboard/operations.ts) as the signed-in person.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { isManagementScope } from '../policy/grantor.js';
import type { OperationRunner } from './operations.js';
import type { DashboardRenderer } from './render.js';
import type { ShownOnceSecrets } from './shown-once.js';
import type { OrganizationContext } from './routes.js';
import { checkedScopes, expiresAt, EXPIRY_CHOICES, graceSeconds, GRACE_CHOICES, lines, scopeGroups } from './form-fields.js';

export interface OrganizationPageDeps {
  render: DashboardRenderer;
  operations: OperationRunner;
  secrets: ShownOnceSecrets;
  /** The signed-in person in the organization of the URL (or a redirect to sign in). */
  context(ctx: Context, section: string): Promise<OrganizationContext>;
}

// Keys and apps are listed as the management API pages them (by id): a page at a time, with a
// link to the next, so that none is out of reach of rotate, revoke or delete.
const LIST_PAGE = 100;

export function organizationPages(router: Router, deps: OrganizationPageDeps) {
  const { render, operations } = deps;
  const base = (o: OrganizationContext) => `/dashboard/${o.page.organization!.id}`;
  const listPage = async (ctx: Context, o: OrganizationContext, route: string) => {
    const after = typeof ctx.query.after === 'string' ? ctx.query.after.slice(0, 64) : undefined;
    const listed = await operations.run(o.actor, route, { page: { limit: LIST_PAGE, startingAfter: after } });
    return { items: listed.data as Array<{ id: string }>, hasMore: listed.has_more === true };
  };

  /** What the person may grant here, grouped for checkboxes. */
  const grantable = (o: OrganizationContext) => scopeGroups(o.grantable);

  async function showSecret(ctx: Context, o: OrganizationContext, kind: string, id: string, secret: string, clientId?: string) {
    const handle = await deps.secrets.keep(o.actor.id, { kind, id, secret, clientId });
    ctx.status = 303;
    ctx.redirect(`${base(o)}/shown/${handle}`);
  }

  router.get('/dashboard/:org/shown/:handle', async (ctx) => {
    const o = await deps.context(ctx, 'api-keys');
    const shown = await deps.secrets.take(o.actor.id, ctx.params.handle!);
    await render.render(ctx, 'shown-once', o.page, { shown });
  });

  // API keys.
  router.get('/dashboard/:org/api-keys', async (ctx) => {
    const o = await deps.context(ctx, 'api-keys');
    const allowed = operations.may(o.actor, 'get /v1/api-keys');
    const { items: keys, hasMore } = allowed ? await listPage(ctx, o, 'get /v1/api-keys') : { items: [], hasMore: false };
    await render.render(ctx, 'api-keys', o.page, {
      allowed,
      canWrite: operations.may(o.actor, 'post /v1/api-keys'),
      keys,
      hasMore,
      groups: grantable(o),
      expiries: Object.keys(EXPIRY_CHOICES),
      graces: Object.keys(GRACE_CHOICES),
    });
  });

  router.post('/dashboard/:org/api-keys', async (ctx) => {
    const o = await deps.context(ctx, 'api-keys');
    const form = await render.form(ctx, o.page.user);
    const created = await operations.run(o.actor, 'post /v1/api-keys', {
      body: {
        name: form.get('name') ?? '',
        type: form.get('type') || undefined,
        mode: form.get('mode') || undefined,
        scopes: checkedScopes(form),
        ip_allowlist: lines(form.get('ip_allowlist')),
        expires_at: expiresAt(form.get('expires')),
      },
    });
    await showSecret(ctx, o, 'api_key', String(created.id), String(created.key));
  });

  router.post('/dashboard/:org/api-keys/:id/rotate', async (ctx) => {
    const o = await deps.context(ctx, 'api-keys');
    const form = await render.form(ctx, o.page.user);
    const rotated = await operations.run(o.actor, 'post /v1/api-keys/{id}/rotate', { params: { id: ctx.params.id! }, body: { grace_seconds: graceSeconds(form.get('grace')) } });
    await showSecret(ctx, o, 'api_key', String(rotated.id), String(rotated.key));
  });

  router.get('/dashboard/:org/api-keys/:id/revoke', async (ctx) => {
    const o = await deps.context(ctx, 'api-keys');
    const key = await operations.run(o.actor, 'get /v1/api-keys/{id}', { params: { id: ctx.params.id! } });
    await render.render(ctx, 'confirm', o.page, {
      heading: `Revoke ${String(key.name)}?`,
      detail: `Requests with ${String(key.key_prefix)}…${String(key.last4)} are refused from now on. This cannot be undone.`,
      action: `${base(o)}/api-keys/${String(key.id)}/revoke`,
      button: 'Revoke key',
      back: `${base(o)}/api-keys`,
    });
  });

  router.post('/dashboard/:org/api-keys/:id/revoke', async (ctx) => {
    const o = await deps.context(ctx, 'api-keys');
    await render.form(ctx, o.page.user);
    await operations.run(o.actor, 'post /v1/api-keys/{id}/revoke', { params: { id: ctx.params.id! }, body: {} });
    ctx.status = 303;
    ctx.redirect(`${base(o)}/api-keys`);
  });

  // OAuth apps.
  router.get('/dashboard/:org/apps', async (ctx) => {
    const o = await deps.context(ctx, 'apps');
    const allowed = operations.may(o.actor, 'get /v1/oauth-clients');
    const { items: apps, hasMore } = allowed ? await listPage(ctx, o, 'get /v1/oauth-clients') : { items: [], hasMore: false };
    await render.render(ctx, 'apps', o.page, {
      allowed,
      canWrite: operations.may(o.actor, 'post /v1/oauth-clients'),
      apps,
      hasMore,
      // The form offers the product's scopes; an app that manages Keyward itself is registered
      // through /v1 or the CLI.
      groups: grantable(o).filter((group) => !isManagementScope(group.scopes[0]!)),
      graces: Object.keys(GRACE_CHOICES),
    });
  });

  router.post('/dashboard/:org/apps', async (ctx) => {
    const o = await deps.context(ctx, 'apps');
    const form = await render.form(ctx, o.page.user);
    const grants = [form.has('grant:authorization_code') ? 'authorization_code' : '', form.has('grant:client_credentials') ? 'client_credentials' : ''].filter(Boolean);
    const created = await operations.run(o.actor, 'post /v1/oauth-clients', {
      body: { name: form.get('name') ?? '', grant_types: grants, redirect_uris: lines(form.get('redirect_uris')), scopes: checkedScopes(form), public: form.get('kind') === 'public' },
    });
    if (typeof created.client_secret !== 'string') {
      ctx.status = 303;
      ctx.redirect(`${base(o)}/apps?registered=${encodeURIComponent(String(created.id))}`);
      return;
    }
    await showSecret(ctx, o, 'client_secret', String(created.id), created.client_secret, String(created.id));
  });

  router.post('/dashboard/:org/apps/:id/rotate-secret', async (ctx) => {
    const o = await deps.context(ctx, 'apps');
    const form = await render.form(ctx, o.page.user);
    const rotated = await operations.run(o.actor, 'post /v1/oauth-clients/{id}/rotate-secret', { params: { id: ctx.params.id! }, body: { grace_seconds: graceSeconds(form.get('grace')) } });
    await showSecret(ctx, o, 'client_secret', String(rotated.id), String(rotated.client_secret), String(rotated.id));
  });

  router.get('/dashboard/:org/apps/:id/delete', async (ctx) => {
    const o = await deps.context(ctx, 'apps');
    const app = await operations.run(o.actor, 'get /v1/oauth-clients/{id}', { params: { id: ctx.params.id! } });
    await render.render(ctx, 'confirm', o.page, {
      heading: `Delete ${String(app.name)}?`,
      detail: 'Its users lose access at once: its tokens stop working and it cannot get new ones. This cannot be undone.',
      action: `${base(o)}/apps/${String(app.id)}/delete`,
      button: 'Delete app',
      back: `${base(o)}/apps`,
    });
  });

  router.post('/dashboard/:org/apps/:id/delete', async (ctx) => {
    const o = await deps.context(ctx, 'apps');
    await render.form(ctx, o.page.user);
    await operations.run(o.actor, 'delete /v1/oauth-clients/{id}', { params: { id: ctx.params.id! } });
    ctx.status = 303;
    ctx.redirect(`${base(o)}/apps`);
  });
}
