// RP-initiated logout's two pages, in Keyward's look: the confirmation (oidc-provider's stock
// page has no CSP and can be framed, so another site could make a user sign out) and the page
// after signing out. Signing out always takes an explicit press of a button in a page that
// cannot be framed and runs no script, signed in or not (for a browser without a session
// oidc-provider answers with a form that submits itself by script instead of asking).
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Middleware } from 'koa';
import { interactionPageHeaders } from './page-headers.js';
import { renderView } from './views.js';

function appName(ctx: KoaContextWithOIDC): string | undefined {
  return ctx.oidc.client?.clientName ?? undefined;
}

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function logoutPages(cacheViews: boolean) {
  const pages = {
    async logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
      // The confirmation ends in a redirect to the app's post-logout URI, which form-action must allow.
      interactionPageHeaders(ctx, ctx.oidc.params?.post_logout_redirect_uri);
      ctx.type = 'html';
      ctx.body = await renderView('logout', { form, host: ctx.host, app: appName(ctx) }, cacheViews);
    },
    async postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
      interactionPageHeaders(ctx);
      ctx.type = 'html';
      ctx.body = await renderView('logged-out', { app: appName(ctx) }, cacheViews);
    },
  };

  /** Replaces oidc-provider's self-submitting logout form (no session) with the confirmation page. */
  const anonymousLogout: Middleware = async (ctx, next) => {
    await next();
    const oidc = (ctx as KoaContextWithOIDC).oidc;
    const secret: unknown = oidc?.session?.state?.secret;
    if (oidc?.route !== 'end_session' || oidc.session?.accountId || ctx.status !== 200 || typeof secret !== 'string') return;
    const action = escape(oidc.urlFor('end_session_confirm'));
    const form = `<form id="op.logoutForm" method="post" action="${action}"><input type="hidden" name="xsrf" value="${escape(secret)}"/></form>`;
    await pages.logoutSource(ctx as KoaContextWithOIDC, form);
  };

  return { ...pages, anonymousLogout };
}
