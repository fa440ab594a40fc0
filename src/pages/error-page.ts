// The page oidc-provider shows a browser when it cannot redirect the error to the client
// (unknown client, unregistered redirect_uri...). Only the public error fields are rendered,
// escaped by the view; never the error object or its stack.
import type { KoaContextWithOIDC, ErrorOut } from 'oidc-provider';
import { interactionPageHeaders } from './page-headers.js';
import { renderView } from './views.js';

const TITLES: Record<string, string> = {
  invalid_client: 'Unknown application',
  invalid_redirect_uri: 'This application sent you to an address it has not registered',
};

export function renderErrorPage(cacheViews: boolean) {
  return async (ctx: KoaContextWithOIDC, out: ErrorOut): Promise<void> => {
    interactionPageHeaders(ctx);
    ctx.type = 'html';
    const title = TITLES[out.error] ?? 'This sign-in request cannot continue';
    ctx.body = await renderView('error', { title, detail: out.error_description ?? '', code: out.error }, cacheViews);
  };
}
