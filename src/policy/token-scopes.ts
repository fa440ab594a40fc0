// What an access token may carry, decided when it is issued, on both token paths (oidc-provider's
// getResourceServerInfo in oauth/provider/resources.ts and the client-credentials fast path):
//  - client credentials: requested ∩ the client's registered scopes ∩ the organization's plan
//    now, so a plan change applies to the next token; a scope beyond them is refused. A request
//    without scope gets all of those (RFC 6749 §3.3: the server's pre-defined default).
//  - a user's grant (code exchange, every refresh): the grant ∩ the client's registered scopes
//    ∩ the plan ∩ what the user's role allows now, silently narrowed (RFC 6749 §3.3), so a
//    demoted admin's refresh never yields a management scope again.
// Either way only scopes of the token's audience kind (policy/audiences.ts).
import type { Role } from '../db/schema.js';
import { audienceKind, fitsAudience, type Audiences } from './audiences.js';
import { grantableScopes, refusal, type Grantor } from './grantor.js';

export type ScopeDecision = { ok: true; scopes: string[] } | { ok: false; scope: string; description: string };

/** The scopes a token for `resource` may carry when issued to `grantor` (undefined: unknown resource). */
function tokenCeiling(audiences: Audiences, resource: string, plan: readonly string[], grantor: Grantor): string[] | undefined {
  const kind = audienceKind(audiences, resource);
  if (!kind) return undefined;
  return grantableScopes(plan, grantor).filter((scope) => fitsAudience(scope, kind));
}

export interface ClientCredentialsRequest {
  audiences: Audiences;
  resource: string;
  requested: readonly string[];
  clientScopes: readonly string[];
  plan: readonly string[];
}

/**
 * The first requested scope a client-credentials token for `resource` may not carry, and why;
 * undefined when the request is within bounds. Looks at the requested scopes only: this is the
 * fast path's whole check (a request names a scope or two).
 */
export function clientCredentialsRefusal(request: ClientCredentialsRequest): { scope: string; description: string } | undefined {
  const grantor: Grantor = { kind: 'credential', holds: request.clientScopes };
  const kind = audienceKind(request.audiences, request.resource);
  for (const scope of request.requested) {
    if (kind && !fitsAudience(scope, kind)) {
      const other = kind === 'product' ? `the management audience ${request.audiences.management}` : 'the product audience';
      return { scope, description: `${scope} is issued only in tokens for ${other}; request it separately` };
    }
    const why = kind ? refusal(request.plan, grantor, scope) : 'names no audience Keyward serves';
    if (why) return { scope, description: `${scope} ${why}` };
  }
  return undefined;
}

// A client's ceiling depends on the plan, the audience and its registered scopes alone, and is
// asked at every client-credentials token: computed once per plan (the configuration's own
// arrays, as for users below), per resource and scope set. A refusal check of every plan and
// management scope, it cost 25-35 µs a token on oidc-provider's pipeline, where a whole token
// from the bare provider costs about 290.
const CLIENT_CEILINGS_PER_PLAN = 1_000;
const clientCeilings = new WeakMap<readonly string[], Map<string, readonly string[]>>();

/** Every scope a client-credentials token for `resource` may carry: the default when none is asked for. */
export function clientCredentialsCeiling(request: Omit<ClientCredentialsRequest, 'requested'>): readonly string[] {
  let byClient = clientCeilings.get(request.plan);
  if (!byClient) clientCeilings.set(request.plan, (byClient = new Map()));
  const key = `${request.resource}\n${request.clientScopes.join(' ')}`;
  let ceiling = byClient.get(key);
  if (!ceiling) {
    // Bounded by the clients' distinct scope sets; past the bound, start over.
    if (byClient.size >= CLIENT_CEILINGS_PER_PLAN) byClient.clear();
    ceiling = tokenCeiling(request.audiences, request.resource, request.plan, { kind: 'credential', holds: request.clientScopes }) ?? [];
    byClient.set(key, ceiling);
  }
  return ceiling;
}

/** The decision and, when within bounds, every scope such a token may carry (the resource server's scope). */
export function clientCredentialsScopes(request: ClientCredentialsRequest): ScopeDecision {
  const refused = clientCredentialsRefusal(request);
  if (refused) return { ok: false, ...refused };
  return { ok: true, scopes: [...clientCredentialsCeiling(request)] };
}

// A user's ceiling depends on the plan, the role and the audience alone, and is asked at every
// refresh: computed once per plan (the configuration's own arrays, so the same object each time).
const userCeilings = new WeakMap<readonly string[], Map<string, readonly string[]>>();

function userCeiling(audiences: Audiences, resource: string, plan: readonly string[], role: Role): readonly string[] {
  const kind = audienceKind(audiences, resource);
  if (!kind) return [];
  let byRole = userCeilings.get(plan);
  if (!byRole) userCeilings.set(plan, (byRole = new Map()));
  const key = `${role} ${kind}`;
  let ceiling = byRole.get(key);
  if (!ceiling) byRole.set(key, (ceiling = tokenCeiling(audiences, resource, plan, { kind: 'user', role }) ?? []));
  return ceiling;
}

export function userTokenScopes(input: {
  audiences: Audiences;
  resource: string;
  role: Role;
  clientScopes: readonly string[];
  plan: readonly string[];
}): string[] {
  const registered = new Set(input.clientScopes);
  return userCeiling(input.audiences, input.resource, input.plan, input.role).filter((scope) => registered.has(scope));
}
