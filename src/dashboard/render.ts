// What every dashboard page shares: its headers, the layout's data (who is signed in, the
// organization switcher), CSRF tokens bound to the session, the same-origin check on posts,
// and refusals shown as pages.
import type { Context } from 'koa';
import { crossOrigin, csrfToken, csrfValid } from '../http/form-guard.js';
import { readFormBody } from '../http/form-body.js';
import { renderView } from '../pages/views.js';
import { dashboardPageHeaders } from '../pages/page-headers.js';
import type { OrganizationOfUser } from '../users/repository.js';
import type { SignedIn } from './sign-in.js';

/** A refusal or a dead end, shown as a page with the next step in words. */
export class DashboardError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(title);
  }
}

export interface Page {
  user: SignedIn;
  organizations: OrganizationOfUser[];
  /** The organization the page is about, if any. */
  organization?: OrganizationOfUser | undefined;
  /** The navigation entry to mark as current. */
  section: string;
}

export interface RenderDeps {
  issuer: string;
  csrfKey: Buffer;
  cacheViews: boolean;
}

export function dashboardRenderer(deps: RenderDeps) {
  const origin = new URL(deps.issuer).origin;
  // Bound to the session and its sign-in: a token from before a fresh sign-in is refused.
  const bindingOf = (user: SignedIn) => `dashboard:${user.sessionUid}:${user.signedInAt}`;

  return {
    async render(ctx: Context, view: string, page: Page, data: Record<string, unknown> = {}) {
      dashboardPageHeaders(ctx);
      ctx.type = 'html';
      ctx.body = await renderView(`dashboard/${view}`, { organization: undefined, ...page, csrf: csrfToken(deps.csrfKey, bindingOf(page.user)), ...data }, deps.cacheViews);
    },

    async renderError(ctx: Context, err: DashboardError) {
      dashboardPageHeaders(ctx);
      ctx.type = 'html';
      ctx.body = await renderView('error', { title: err.title, detail: err.detail }, deps.cacheViews);
      ctx.status = err.status;
    },

    /** A form post from a dashboard page: same origin, this session's CSRF token. */
    async form(ctx: Context, user: SignedIn): Promise<Map<string, string>> {
      if (crossOrigin(ctx, origin)) {
        throw new DashboardError(403, 'This request was refused', 'It did not come from a dashboard page.');
      }
      const body = await readFormBody(ctx.req, ctx.res);
      if (!csrfValid(deps.csrfKey, bindingOf(user), body.get('csrf'))) throw new DashboardError(403, 'This form has expired', 'Reload the page and try again.');
      return body;
    },
  };
}

export type DashboardRenderer = ReturnType<typeof dashboardRenderer>;
