// What every sign-in page shares: the interaction behind the cookie, the checks on a form post,
// rendering with the pages' headers, and handing the result back to oidc-provider.
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import { errors, type InteractionResults } from 'oidc-provider';
import type { Database } from '../db/schema.js';
import type { ClientRegistry } from '../clients/registry.js';
import { findOrganization } from '../organizations/repository.js';
import { readFormBody } from '../http/form-body.js';
import { renderView } from '../pages/views.js';
import { interactionPageHeaders } from '../pages/page-headers.js';
import { crossOrigin, csrfValid } from '../http/form-guard.js';
import { DASHBOARD_CLIENT_ID } from '../grants/dashboard-client.js';

export type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** A refusal shown as a page: the user's next step in words, never a stack trace. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(title);
  }
}

export const expired = () => new PageError(400, 'This sign-in link has expired', 'Return to the application and start again.');

export interface PageDeps {
  issuer: string;
  cacheViews: boolean;
  db: Kysely<Database>;
  provider: () => Provider;
  registry: ClientRegistry;
  csrfKey: Buffer;
}

export function interactionPages(deps: PageDeps) {
  const origin = new URL(deps.issuer).origin;
  return {
    async render(ctx: Context, view: string, data: Record<string, unknown>, details?: Details) {
      interactionPageHeaders(ctx, details?.params.redirect_uri);
      ctx.type = 'html';
      ctx.body = await renderView(view, { title: 'Sign in', ...data }, deps.cacheViews);
    },

    /** The interaction behind the cookie, which must be the one in the URL. */
    async interaction(ctx: Context): Promise<Details> {
      let details: Details;
      try {
        details = await deps.provider().interactionDetails(ctx.req, ctx.res);
      } catch (err) {
        if (err instanceof errors.SessionNotFound) throw expired();
        throw err;
      }
      if (details.uid !== ctx.params.uid) {
        throw new PageError(400, 'This sign-in link is not valid here', 'Return to the application and start again.');
      }
      return details;
    },

    /** Form posts: same-origin only, and carrying this interaction's CSRF token. */
    async form(ctx: Context, details: Details): Promise<Map<string, string>> {
      if (crossOrigin(ctx, origin)) {
        throw new PageError(403, 'This request was refused', 'It did not come from this sign-in page.');
      }
      const body = await readFormBody(ctx.req, ctx.res);
      if (!csrfValid(deps.csrfKey, `interaction:${details.uid}`, body.get('csrf'))) {
        throw new PageError(403, 'This form has expired', 'Reload the page and try again.');
      }
      return body;
    },

    async finish(ctx: Context, result: InteractionResults) {
      const returnTo = await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
      // RFC 9700 §4.12: 303, so the browser never re-posts the form to the next hop.
      ctx.status = 303;
      ctx.redirect(returnTo);
    },

    /** The app asking, and the organization that registered it. */
    async appOf(details: Details) {
      if (details.params.client_id === DASHBOARD_CLIENT_ID) return { record: undefined, name: 'the Keyward dashboard', owner: '' };
      const record = await deps.registry.find(String(details.params.client_id));
      if (!record) throw new PageError(400, 'Unknown application', 'The application that sent you here is not registered.');
      const owner = await findOrganization(deps.db, record.organization_id);
      return { record, name: record.name, owner: owner?.name ?? '' };
    },
  };
}

export type InteractionPages = ReturnType<typeof interactionPages>;
