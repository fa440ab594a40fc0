// Drives the authorization-code flow over real HTTP, through Keyward's own login, organization
// and consent pages, as a browser without JavaScript would.
import { createHash, randomBytes } from 'node:crypto';
import type { TestServer } from './server.js';

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export function cookiesFrom(res: Response, jar: Map<string, string> = new Map()): Map<string, string> {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1));
  }
  return jar;
}

export function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

export interface AuthorizeOptions {
  clientId: string;
  redirectUri: string;
  scope: string;
  user: TestUser;
  /** Picked on the organization page when the user has several. */
  organizationId?: string;
  challenge?: string;
  state?: string;
  extra?: Record<string, string>;
  /** Press Deny on the consent page instead of Approve. */
  deny?: boolean;
}

type UrlOptions = Pick<AuthorizeOptions, 'clientId' | 'redirectUri' | 'scope' | 'challenge' | 'state' | 'extra'>;

/** Builds /oauth2/authorize's URL. */
export function authorizeUrl(server: TestServer, o: UrlOptions): string {
  const url = new URL('/oauth2/authorize', server.url);
  url.searchParams.set('client_id', o.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', o.redirectUri);
  url.searchParams.set('scope', o.scope);
  if (o.challenge) {
    url.searchParams.set('code_challenge', o.challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  if (o.state) url.searchParams.set('state', o.state);
  for (const [k, v] of Object.entries(o.extra ?? {})) url.searchParams.set(k, v);
  return url.toString();
}

export interface Page {
  status: number;
  html: string;
  headers: Headers;
}

/** A browser-like session: a cookie jar and same-origin form posts, no JavaScript. */
export class BrowserSession {
  readonly jar = new Map<string, string>();
  /** Pages shown, in order, for tests that look at what the user saw. */
  readonly pages: Page[] = [];

  constructor(private readonly server: TestServer) {}

  async get(url: string): Promise<Response> {
    const res = await fetch(new URL(url, this.server.url), { headers: { cookie: cookieHeader(this.jar) }, redirect: 'manual' });
    cookiesFrom(res, this.jar);
    return res;
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(new URL(path, this.server.url), {
      method: 'POST',
      headers: {
        cookie: cookieHeader(this.jar),
        'content-type': 'application/x-www-form-urlencoded',
        origin: new URL(this.server.url).origin,
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    cookiesFrom(res, this.jar);
    return res;
  }
}

export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no CSRF token in page: ${html.slice(0, 300)}`);
  return match[1]!;
}

export function formAction(html: string, step: string): string | undefined {
  return new RegExp(`action="(/interaction/[^"]+/${step})"`).exec(html)?.[1];
}

/**
 * Runs /authorize as a user would: login, organization picker, consent. Returns the final
 * redirect to the client (with a code, or an error).
 */
export async function authorize(server: TestServer, o: AuthorizeOptions, session = new BrowserSession(server)): Promise<URL> {
  let res = await session.get(authorizeUrl(server, o));
  for (let hop = 0; hop < 16; hop++) {
    if (res.status === 302 || res.status === 303) {
      const next = new URL(res.headers.get('location')!, server.url);
      if (next.origin !== new URL(server.url).origin) return next;
      res = await session.get(next.toString());
      continue;
    }
    const html = await res.text();
    session.pages.push({ status: res.status, html, headers: res.headers });
    if (res.status !== 200) throw new Error(`unexpected ${res.status}: ${html.slice(0, 400)}`);
    const csrf = csrfOf(html);
    const login = formAction(html, 'login');
    const organization = formAction(html, 'organization');
    const confirm = formAction(html, 'confirm');
    if (login) {
      res = await session.post(login, { csrf, email: o.user.email, password: o.user.password });
    } else if (organization) {
      if (!o.organizationId) throw new Error('the organization picker was shown but no organizationId was given');
      res = await session.post(organization, { csrf, organization_id: o.organizationId });
    } else if (confirm) {
      res = await session.post(o.deny ? formAction(html, 'abort')! : confirm, { csrf });
    } else {
      throw new Error(`unexpected page: ${html.slice(0, 400)}`);
    }
  }
  throw new Error('too many redirects');
}

export async function postForm(
  server: TestServer,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(new URL(path, server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body, headers: res.headers };
}

/** A code for `o`, exchanged at the token endpoint. */
export async function codeExchange(
  server: TestServer,
  client: { clientId: string; clientSecret: string },
  o: Omit<AuthorizeOptions, 'clientId' | 'challenge'>,
  session?: BrowserSession,
) {
  const { verifier, challenge } = pkcePair();
  const redirect = await authorize(server, { ...o, clientId: client.clientId, challenge }, session);
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect.toString()}`);
  const token = await postForm(
    server,
    '/oauth2/token',
    { grant_type: 'authorization_code', code, redirect_uri: o.redirectUri, code_verifier: verifier },
    { authorization: basic(client.clientId, client.clientSecret) },
  );
  return { code, verifier, redirect, token };
}
