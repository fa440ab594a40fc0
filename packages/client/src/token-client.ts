// createTokenClient: client-credentials tokens without handling expiry by hand. The first use
// fetches a token; it is reused until `renewBefore` seconds before it expires; concurrent
// callers share one request; fetch() adds the header and, on a 401, renews and retries once.
import { clientAssertionSigner, type ClientAssertionKey } from './client-assertion.js';

export interface TokenClientOptions {
  /** Keyward's issuer URL (the token endpoint is found by discovery), or... */
  issuer?: string;
  /** ...the token endpoint itself. */
  tokenEndpoint?: string;
  clientId: string;
  /** client_secret_basic. */
  clientSecret?: string;
  /** private_key_jwt (RFC 7523): a private key registered with the client (its public JWK). */
  privateKey?: ClientAssertionKey;
  scopes?: string[];
  /** The resource (RFC 8707) the token is for. */
  audience?: string;
  /** Seconds before expiry a token is renewed (default 300). */
  renewBefore?: number;
  fetch?: typeof fetch;
}

export class TokenEndpointError extends Error {
  override name = 'TokenEndpointError';
  constructor(
    /** The OAuth error code (invalid_client, invalid_scope...), or network_error. */
    readonly error: string,
    readonly description: string,
    readonly status: number,
  ) {
    super(`${error}: ${description}`);
  }
}

export interface TokenClient {
  getToken(): Promise<string>;
  /** fetch() with the token attached; one renewal and retry on 401. */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /** Forgets the cached token. */
  invalidate(): void;
}

export function createTokenClient(options: TokenClientOptions): TokenClient {
  if (!options.tokenEndpoint && !options.issuer) throw new TypeError('createTokenClient needs issuer or tokenEndpoint');
  if (!options.clientSecret && !options.privateKey) throw new TypeError('createTokenClient needs clientSecret or privateKey');
  const httpFetch = options.fetch ?? fetch;
  const renewBeforeMs = (options.renewBefore ?? 300) * 1000;
  // A key that cannot sign is refused here, not at the first token request.
  const signAssertion = options.privateKey ? clientAssertionSigner(options.clientId, options.privateKey) : undefined;
  let endpoint: Promise<string> | undefined;
  let cached: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  function tokenEndpoint(): Promise<string> {
    if (options.tokenEndpoint) return Promise.resolve(options.tokenEndpoint);
    endpoint ??= (async () => {
      const res = await httpFetch(`${options.issuer!.replace(/\/+$/, '')}/.well-known/oauth-authorization-server`);
      if (!res.ok) throw new TokenEndpointError('network_error', `discovery answered ${res.status}`, res.status);
      return ((await res.json()) as { token_endpoint: string }).token_endpoint;
    })().catch((err: unknown) => {
      endpoint = undefined;
      throw err;
    });
    return endpoint;
  }

  function clientAuthentication(url: string, body: URLSearchParams): Record<string, string> {
    if (signAssertion) {
      body.set('client_id', options.clientId);
      body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      body.set('client_assertion', signAssertion(url));
      return {};
    }
    const credentials = `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret!)}`;
    return { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
  }

  async function requestToken(): Promise<string> {
    const url = await tokenEndpoint();
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (options.scopes?.length) body.set('scope', options.scopes.join(' '));
    if (options.audience) body.set('resource', options.audience);
    const headers = { 'content-type': 'application/x-www-form-urlencoded', ...clientAuthentication(url, body) };
    let res: Response;
    try {
      res = await httpFetch(url, { method: 'POST', headers, body });
    } catch (err) {
      throw new TokenEndpointError('network_error', err instanceof Error ? err.message : String(err), 0);
    }
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok || typeof answer.access_token !== 'string') {
      throw new TokenEndpointError(String(answer.error ?? 'server_error'), String(answer.error_description ?? `token endpoint answered ${res.status}`), res.status);
    }
    const expiresIn = typeof answer.expires_in === 'number' ? answer.expires_in * 1000 : 3_600_000;
    cached = { token: answer.access_token, renewAt: Date.now() + Math.max(expiresIn - renewBeforeMs, expiresIn / 2) };
    return answer.access_token;
  }

  async function getToken(): Promise<string> {
    if (cached && Date.now() < cached.renewAt) return cached.token;
    inFlight ??= requestToken().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    getToken,
    invalidate() {
      cached = undefined;
    },
    async fetch(input, init = {}) {
      const send = async (token: string) => {
        const headers = new Headers(init.headers);
        headers.set('authorization', `Bearer ${token}`);
        return httpFetch(input, { ...init, headers });
      };
      const token = await getToken();
      const first = await send(token);
      if (first.status !== 401) return first;
      // The token was refused (revoked, or the server rotated keys): renew once and retry.
      // (A body that is a stream cannot be sent twice; pass a string or buffer.)
      if (cached?.token === token) cached = undefined;
      return send(await getToken());
    },
  };
}
