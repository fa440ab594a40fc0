// The few parts of a request the verifier reads, from Node, Koa, Express or fetch requests.
export interface RequestLike {
  headers: Headers | Record<string, string | string[] | undefined>;
  method?: string | undefined;
  /** Path (with or without query), as the framework gives it. */
  url?: string | undefined;
  /** The client address, as your framework resolved it (proxy-aware if configured). */
  ip?: string | undefined;
}

export function header(request: RequestLike, name: string): string | undefined {
  const { headers } = request;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

// Refused outright, as Keyward refuses them (RFC 6750 §2.3, §5.3): a credential in the URL ends up
// in access logs, browser history and Referer headers.
const QUERY_CREDENTIALS = ['api_key', 'apikey', 'key', 'access_token', 'token'];

export function credentialInQuery(url: string | undefined): boolean {
  const start = url?.indexOf('?') ?? -1;
  if (start < 0) return false;
  const query = new URLSearchParams(url!.slice(start + 1));
  return QUERY_CREDENTIALS.some((name) => query.has(name));
}
