// Flows shared by the policy observations: the token endpoint (client credentials on both
// authentication paths, refresh), introspection, and a sign-in that stops at the first page
// shown after login, for tests that look at the organization picker themselves.
import { expect } from 'vitest';
import { authorizeUrl, basic, csrfOf, formAction, pkcePair, postForm, type BrowserSession, type TestUser } from '../helpers/oauth-flow.js';
import type { TestServer } from '../helpers/server.js';
import { operatorKey } from '../management/helpers.js';

export interface Client {
  clientId: string;
  clientSecret: string;
}

/** Every management scope: what an organization's own administrator holds. */
export const ALL_MANAGEMENT_SCOPES = ['api-keys:*', 'oauth-clients:*', 'members:*', 'organizations:*'];

/** An operator-made key holding every management scope of `org`. */
export function adminKey(server: TestServer, org: string) {
  return operatorKey(server, org, ALL_MANAGEMENT_SCOPES);
}

export function bearer(accessToken: string): Record<string, string> {
  return { authorization: `Bearer ${accessToken}` };
}

/** The space-separated `scope` of a token response, as a list. */
export function scopesOf(tokenResponse: Record<string, unknown>): string[] {
  return String(tokenResponse.scope ?? '').split(' ').filter(Boolean);
}

/** Asserts an error answer by status and error code together, so a failure shows both. */
export function expectError(res: { status: number; body: Record<string, unknown> }, status: number, error: string, label?: string): void {
  expect({ status: res.status, error: res.body.error }, label).toEqual({ status, error });
}

export type SecretMethod = 'client_secret_basic' | 'client_secret_post';

/**
 * A client_credentials token request. client_secret_basic is answered by Keyward's fast path
 * when it can be; client_secret_post always goes to oidc-provider.
 */
export function clientCredentials(server: TestServer, client: Client, params: Record<string, string>, method: SecretMethod = 'client_secret_basic') {
  const form = { grant_type: 'client_credentials', ...params };
  return method === 'client_secret_basic'
    ? postForm(server, '/oauth2/token', form, { authorization: basic(client.clientId, client.clientSecret) })
    : postForm(server, '/oauth2/token', { ...form, client_id: client.clientId, client_secret: client.clientSecret });
}

export function refresh(server: TestServer, client: Client, refreshToken: string) {
  return postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic(client.clientId, client.clientSecret) });
}

/** RFC 7662 introspection by `resourceServer` (a client registered with introspect: true). */
export function introspect(server: TestServer, resourceServer: Client, token: string) {
  return postForm(server, '/oauth2/introspect', { token }, { authorization: basic(resourceServer.clientId, resourceServer.clientSecret) });
}

export interface InteractionPage {
  uid: string;
  status: number;
  html: string;
}

/** Follows same-origin redirects from `res` to the interaction page they end on. */
export async function pageAfter(server: TestServer, session: BrowserSession, res: Response): Promise<InteractionPage> {
  let url = res.url;
  for (let hop = 0; hop < 16 && (res.status === 302 || res.status === 303); hop++) {
    const next = new URL(res.headers.get('location')!, server.url);
    if (next.origin !== new URL(server.url).origin) throw new Error(`redirected out to ${next.toString()} instead of showing a page`);
    url = next.toString();
    res = await session.get(url);
  }
  const uid = /\/interaction\/([^/?#]+)/.exec(url)?.[1];
  if (!uid) throw new Error(`${res.status} at ${url} is not an interaction page`);
  return { uid, status: res.status, html: await res.text() };
}

/** Starts an authorization request and signs `user` in; returns the page shown next. */
export async function signIn(
  server: TestServer,
  session: BrowserSession,
  o: { clientId: string; redirectUri: string; scope: string; user: TestUser },
): Promise<InteractionPage> {
  const { challenge } = pkcePair();
  const login = await pageAfter(server, session, await session.get(authorizeUrl(server, { ...o, challenge })));
  const action = formAction(login.html, 'login');
  if (!action) throw new Error(`expected the login page: ${login.html.slice(0, 300)}`);
  return pageAfter(server, session, await session.post(action, { csrf: csrfOf(login.html), email: o.user.email, password: o.user.password }));
}

/** The HTML inside the form that posts to /interaction/<uid>/<step>, or '' when there is none. */
export function formHtml(html: string, step: string): string {
  return new RegExp(`<form\\b[^>]*action="/interaction/[^"]+/${step}"[^>]*>([\\s\\S]*?)</form>`).exec(html)?.[1] ?? '';
}

/** The values of the inputs named `name` in `html`, in order. */
export function fieldValues(html: string, name: string): string[] {
  return [...html.matchAll(/<input\b[^>]*>/g)]
    .map(([tag]) => tag)
    .filter((tag) => tag.includes(`name="${name}"`))
    .map((tag) => /value="([^"]*)"/.exec(tag)?.[1] ?? '');
}

/** The organizations the picker's organization form offers. */
export function offeredOrganizations(html: string): string[] {
  return fieldValues(formHtml(html, 'organization'), 'organization_id');
}
