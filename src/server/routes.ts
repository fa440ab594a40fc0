// Every path Keyward answers, and who answers it, in one table: the server dispatches by it
// (server/start.ts) and the request metrics are labelled by it (server/request-observer.ts).
// The Koa app's paths are read off its routers, so a route added there is in the table too.
// A path outside the table gets the Koa app's JSON 404, or under /oauth2/ oidc-provider's own.
import type Router from '@koa/router';
import { OAUTH_DISCOVERY_PATH, OAUTH_ROUTES, OPENID_DISCOVERY_PATH } from '../oauth/paths.js';

/**
 * `token`: the token endpoint (token/endpoint.ts); `provider`: oidc-provider; `direct`: the
 * endpoints answered on node:http (server/direct-router.ts); `app`: Keyward's Koa app.
 */
export type Owner = 'token' | 'provider' | 'direct' | 'app';

export interface RouteTable {
  ownerOf(path: string): Owner;
  /** A bounded metric label: the route's pattern (`/v1/api-keys/:id`), or `other`. */
  labelOf(path: string): string;
  /** Every route, for documentation and tests. */
  routes(): ReadonlyArray<{ pattern: string; owner: Owner }>;
}

// oidc-provider's routes (RP-initiated logout adds /confirm and /success under end_session).
const PROVIDER_PATTERNS = [
  OPENID_DISCOVERY_PATH,
  OAUTH_DISCOVERY_PATH,
  OAUTH_ROUTES.authorization,
  `${OAUTH_ROUTES.authorization}/:uid`,
  OAUTH_ROUTES.jwks,
  OAUTH_ROUTES.pushed_authorization_request,
  OAUTH_ROUTES.end_session,
  `${OAUTH_ROUTES.end_session}/confirm`,
  `${OAUTH_ROUTES.end_session}/success`,
];

/** The path of a request target, without its query. */
export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** The concrete routes of a @koa/router (wildcard catch-alls left out), with `:name` parameters. */
export function routerPatterns(router: Router): string[] {
  return router.stack
    .map((layer) => (layer.methods.length > 0 && typeof layer.path === 'string' ? layer.path : ''))
    .filter((path) => path !== '' && !path.includes('*'))
    .map((path) => path.replace(/\{(\w+)\}/g, ':$1'));
}

interface Pattern {
  pattern: string;
  owner: Owner;
  segments: string[];
}

const matches = (pattern: Pattern, segments: string[]) =>
  pattern.segments.length === segments.length && pattern.segments.every((s, i) => s.startsWith(':') || s === segments[i]);

export function routeTable(owned: { direct: readonly string[]; app: readonly string[] }): RouteTable {
  const all: Array<{ pattern: string; owner: Owner }> = [
    { pattern: OAUTH_ROUTES.token, owner: 'token' },
    ...PROVIDER_PATTERNS.map((pattern) => ({ pattern, owner: 'provider' as const })),
    ...owned.direct.map((pattern) => ({ pattern, owner: 'direct' as const })),
    ...owned.app.map((pattern) => ({ pattern, owner: 'app' as const })),
  ];
  const exact = new Map<string, Owner>();
  const parameterised: Pattern[] = [];
  for (const { pattern, owner } of all) {
    const known = exact.get(pattern) ?? parameterised.find((p) => p.pattern === pattern)?.owner;
    if (known !== undefined && known !== owner) throw new Error(`${pattern} has two owners: ${known} and ${owner}`);
    if (pattern.includes('/:')) parameterised.push({ pattern, owner, segments: pattern.split('/') });
    else exact.set(pattern, owner);
  }
  const find = (path: string) => {
    const owner = exact.get(path);
    if (owner) return { pattern: path, owner };
    const segments = path.split('/');
    return parameterised.find((p) => matches(p, segments));
  };
  return {
    ownerOf(path) {
      const owner = find(path)?.owner;
      if (owner) return owner;
      // oidc-provider answers unknown protocol paths in the protocol's own error format.
      return path.startsWith('/oauth2/') ? 'provider' : 'app';
    },
    labelOf: (path) => find(path)?.pattern ?? 'other',
    routes: () => all,
  };
}
