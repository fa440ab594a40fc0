// A browser's code + PKCE sign-in against Keyward's own pages: authorize, login form
// (argon2id), organization picker or consent when shown, then the code exchange. Shared by
// the bench (authorize_flow, and the refresh tokens it rotates) and the soak.
import { createHash, randomBytes } from 'node:crypto';

export interface LoginFlowOptions {
  issuer: string;
  client: { id: string; secret: string };
  redirectUri: string;
  scope: string;
  email: string;
  password: string;
  /** Receives each request's duration in ms. */
  onRequest?: (ms: number) => void;
}

export interface LoginFlowResult {
  /** 200 when a code was exchanged for tokens; the failing step's status otherwise. */
  status: number;
  step: 'authorize' | 'code_exchange';
  refreshToken?: string;
  /** HTTP requests the flow made. */
  requests: number;
}

const FORM = 'application/x-www-form-urlencoded';

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

export async function loginFlow(o: LoginFlowOptions): Promise<LoginFlowResult> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let requests = 0;
  const send = async (url: string | URL, init: RequestInit = {}) => {
    requests++;
    const headers = { ...(init.headers as Record<string, string>), ...(jar.size ? { cookie: cookie() } : {}) };
    const started = performance.now();
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    o.onRequest?.(performance.now() - started);
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  };
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({ client_id: o.client.id, response_type: 'code', redirect_uri: o.redirectUri, scope: o.scope, code_challenge: challenge, code_challenge_method: 'S256' });
  let res = await send(`${o.issuer}/oauth2/authorize?${query}`);
  let code: string | undefined;
  for (let hop = 0; hop < 10 && !code; hop++) {
    const location = res.headers.get('location');
    if (location?.startsWith(o.redirectUri)) {
      code = new URL(location).searchParams.get('code') ?? undefined;
      break;
    }
    if (location) {
      await res.arrayBuffer();
      res = await send(new URL(location, o.issuer));
      continue;
    }
    const html = await res.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const login = /action="(\/interaction\/[^"]+\/login)"/.exec(html)?.[1];
    const confirm = /action="(\/interaction\/[^"]+\/confirm)"/.exec(html)?.[1];
    const target = login ?? confirm;
    if (!target) break;
    const body = new URLSearchParams(login ? { csrf, email: o.email, password: o.password } : { csrf });
    res = await send(`${o.issuer}${target}`, { method: 'POST', headers: { 'content-type': FORM, origin: o.issuer }, body });
  }
  if (!code) return { status: res.status >= 400 ? res.status : 500, step: 'authorize', requests };
  const token = await send(`${o.issuer}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basicAuth(o.client.id, o.client.secret) },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: o.redirectUri, code_verifier: verifier }),
  });
  const { refresh_token: refreshToken } = (await token.json()) as { refresh_token?: string };
  return { status: token.status === 200 && refreshToken ? 200 : token.status, step: 'code_exchange', refreshToken, requests };
}
