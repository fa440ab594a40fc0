// Headers of every page Keyward renders (checklist E40, E44): no framing, no inline script,
// no referrer to other sites, no caching. The referrer policy is same-origin, not no-referrer:
// under no-referrer browsers send `Origin: null` with the page's own form posts, and the forms'
// origin check would refuse them. These URLs carry only the interaction id; the redirects that
// carry a code to the app are sent with no-referrer (server/app.ts).
import type { Context } from 'koa';

/**
 * form-action must also allow the app's redirect URI: browsers apply it to the redirects that
 * follow a form post, and approving consent ends in a redirect to the app.
 */
function formAction(redirectUri: unknown): string {
  if (typeof redirectUri !== 'string' || !URL.canParse(redirectUri)) return "'self'";
  const url = new URL(redirectUri);
  const target = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
  return `'self' ${target}`;
}

export function interactionPageHeaders(ctx: Context, redirectUri?: unknown): void {
  ctx.set(
    'content-security-policy',
    `default-src 'none'; style-src 'self'; img-src 'self'; form-action ${formAction(redirectUri)}; frame-ancestors 'none'; base-uri 'none'`,
  );
  ctx.set('x-frame-options', 'DENY');
  ctx.set('referrer-policy', 'same-origin');
  ctx.set('cache-control', 'no-store');
}

/** The dashboard's pages: the same, with its one external script (copy to clipboard) allowed. */
export function dashboardPageHeaders(ctx: Context): void {
  ctx.set(
    'content-security-policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  ctx.set('x-frame-options', 'DENY');
  ctx.set('referrer-policy', 'same-origin');
  ctx.set('cache-control', 'no-store');
}
