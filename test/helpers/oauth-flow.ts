// Drives the authorization-code flow over real HTTP. Until the login and consent pages exist,
// the interaction is completed through oidc-provider's interaction API, from a tiny server the
// test runs itself (the way Keyward's interaction routes will call it).
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

export interface AuthorizeOptions {
  clientId: string;
  redirectUri: string;
  scope: string;
  accountId?: string;
  organizationId: string;
  challenge?: string;
  state?: string;
  extra?: Record<string, string>;
}

/** Builds /oauth2/authorize's URL. */
export function authorizeUrl(server: TestServer, o: Omit<AuthorizeOptions, 'organizationId'>): string {
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

async function finishInteraction(server: TestServer, jar: Map<string, string>, o: AuthorizeOptions): Promise<string> {
  const provider = server.services.provider();
  const accountId = o.accountId ?? 'user_test';
  const helper = createServer((req, res) => {
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
        const requested = String(details.params.scope ?? '').split(' ').filter(Boolean);
        // oidc-provider counts every configured scope as an OIDC scope too: grant both ways.
        grant.addOIDCScope(requested.join(' '));
        grant.addResourceScope(String(details.params.resource ?? server.services.config.resources[0]), requested.join(' '));
        const grantId = await grant.save();
        await server.services.records.recordGrantOrganization(grantId, o.organizationId, server.services.config.refreshTokenTtl);
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
      } catch (err) {
        res.statusCode = 500;
        res.end(String(err));
      }
    })();
  });
  await new Promise<void>((resolve) => helper.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = helper.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie: cookieHeader(jar) }, redirect: 'manual' });
    if (res.status !== 303) throw new Error(`interaction did not finish: ${res.status} ${await res.text()}`);
    cookiesFrom(res, jar);
    return res.headers.get('location')!;
  } finally {
    helper.close();
  }
}

/** Runs /authorize through login and consent; returns the final redirect to the client. */
export async function authorize(server: TestServer, o: AuthorizeOptions): Promise<URL> {
  const jar = new Map<string, string>();
  const start = await fetch(authorizeUrl(server, o), { redirect: 'manual' });
  if (start.status !== 303) throw new Error(`authorize answered ${start.status}: ${await start.text()}`);
  cookiesFrom(start, jar);
  const location = start.headers.get('location')!;
  if (!location.startsWith('/interaction/')) return new URL(location);
  const resume = await finishInteraction(server, jar, o);
  const back = await fetch(new URL(resume, server.url), { headers: { cookie: cookieHeader(jar) }, redirect: 'manual' });
  const final = back.headers.get('location');
  if (back.status !== 303 || !final?.startsWith('http')) throw new Error(`resume answered ${back.status} ${final}: ${await back.text()}`);
  return new URL(final);
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
) {
  const { verifier, challenge } = pkcePair();
  const redirect = await authorize(server, { ...o, clientId: client.clientId, challenge });
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
