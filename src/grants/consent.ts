// A consent binds a grant to one organization: which scopes the user may give the app there, the
// grant that records them (each scope for the audience of its kind, policy/audiences.ts), and
// whether an earlier grant for the same user, app and organization already covers a request.
// The sign-in pages (interactions/) ask these questions; oidc-provider's hooks read the records.
import type Provider from 'oidc-provider';
import type { Role } from '../db/schema.js';
import { audienceKind, fitsAudience, type Audiences } from '../policy/audiences.js';
import { decideScopes, type ScopeDecision } from './consent-scopes.js';
import type { ProtocolRecords } from './records.js';
import { dashboardGrant } from './dashboard-client.js';

/** What an authorization request asks for: its scopes and its resources (RFC 8707). */
export interface ConsentRequest {
  accountId: string;
  clientId: string;
  scopes: string[];
  /** The audiences it is for, those Keyward does not know left out. */
  resources: string[];
}

/** The organization picked, with the user's role there and its plan's scopes. */
export interface ConsentOrganization {
  id: string;
  role: Role;
  planScopes: readonly string[];
}

/** The resources of an authorization: as oidc-provider resolved them, or the product's default. */
export function requestedResources(audiences: Audiences, resource: unknown): string[] {
  const list = Array.isArray(resource) ? resource.map(String) : typeof resource === 'string' ? [resource] : [audiences.product[0]];
  return list.filter((r) => audienceKind(audiences, r) !== undefined);
}

export interface ConsentDeps {
  provider: () => Provider;
  records: ProtocolRecords;
  audiences: Audiences;
  /** How long the grant and its organization are kept: the refresh token's lifetime. */
  grantTtl: number;
}

export function consents(deps: ConsentDeps) {
  const kindOf = (resource: string) => audienceKind(deps.audiences, resource)!;

  /** Only scopes one of the request's audiences can carry are shown and granted. */
  function decide(request: ConsentRequest, clientScopes: readonly string[], organization: ConsentOrganization): ScopeDecision {
    const kinds = request.resources.map(kindOf);
    return decideScopes({
      requested: request.scopes.filter((scope) => kinds.some((kind) => fitsAudience(scope, kind))),
      clientAllowed: clientScopes,
      planScopes: organization.planScopes,
      role: organization.role,
    });
  }

  async function earlierGrant(request: ConsentRequest, organizationId: string) {
    const grantId = await deps.records.appGrant(request.accountId, request.clientId, organizationId);
    return grantId ? await deps.provider().Grant.find(grantId) : undefined;
  }

  return {
    decide,

    /** The dashboard's grant, which no consent page records (grants/dashboard-client.ts). */
    async dashboardGrant(accountId: string): Promise<string> {
      return (await dashboardGrant(deps.provider(), accountId, undefined)).jti;
    },

    /** True when the organization's earlier grant already answered every scope of this decision. */
    async coveredByEarlierGrant(request: ConsentRequest, organizationId: string, decision: ScopeDecision): Promise<boolean> {
      const grant = await earlierGrant(request, organizationId);
      if (!grant) return false;
      const encountered = new Set(request.resources.flatMap((resource) => grant.getResourceScopeEncountered(resource).split(' ')));
      return [...decision.granted, ...decision.unavailable].every((s) => encountered.has(s));
    },

    /** Records the decision on the organization's grant (made or extended), and the organization beside it. */
    async record(request: ConsentRequest, organizationId: string, decision: ScopeDecision): Promise<string> {
      const { accountId, clientId } = request;
      const provider = deps.provider();
      const grant = (await earlierGrant(request, organizationId)) ?? new provider.Grant({ accountId, clientId });
      // oidc-provider counts every configured scope as an OIDC scope too; product scopes carry no
      // claims, so both lists get the same decision.
      const oidcGranted = request.scopes.filter((s) => s === 'openid' || s === 'offline_access' || decision.granted.includes(s));
      const oidcRejected = request.scopes.filter((s) => !oidcGranted.includes(s));
      if (oidcGranted.length) grant.addOIDCScope(oidcGranted.join(' '));
      if (oidcRejected.length) grant.rejectOIDCScope(oidcRejected.join(' '));
      for (const resource of request.resources) {
        const kind = kindOf(resource);
        const granted = decision.granted.filter((s) => fitsAudience(s, kind));
        const unavailable = decision.unavailable.filter((s) => fitsAudience(s, kind));
        if (granted.length) grant.addResourceScope(resource, granted.join(' '));
        if (unavailable.length) grant.rejectResourceScope(resource, unavailable.join(' '));
      }
      const grantId = await grant.save();
      await deps.records.recordGrantOrganization(grantId, organizationId, deps.grantTtl);
      await deps.records.recordAppGrant(accountId, clientId, organizationId, grantId, deps.grantTtl);
      return grantId;
    },
  };
}

export type Consents = ReturnType<typeof consents>;
