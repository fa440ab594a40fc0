// The page oidc-provider shows a browser when it cannot redirect the error to the client
// (unknown client, unregistered redirect_uri...). Only the public error fields are rendered,
// escaped; never the error object or its stack.
import type { KoaContextWithOIDC, ErrorOut } from 'oidc-provider';
import { escapeHtml } from '../http/escape-html.js';

export function renderErrorPage(ctx: KoaContextWithOIDC, out: ErrorOut): void {
  ctx.type = 'html';
  ctx.set('cache-control', 'no-store');
  ctx.set('content-security-policy', "default-src 'none'; style-src 'self'; frame-ancestors 'none'");
  ctx.set('x-frame-options', 'DENY');
  ctx.set('referrer-policy', 'no-referrer');
  ctx.body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign-in error</title></head>
<body>
<main>
<h1>This sign-in request cannot continue</h1>
<p><code>${escapeHtml(out.error)}</code></p>
<p>${escapeHtml(out.error_description ?? '')}</p>
<p>Return to the application and start again.</p>
</main>
</body>
</html>`;
}
