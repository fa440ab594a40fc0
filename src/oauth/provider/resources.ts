// oidc-provider's resource-indicator hooks (RFC 8707), answered by the policy: which audience a
// request is for when it names none (policy/audiences.ts), and which scopes a token for that
// audience may carry (policy/token-scopes.ts). getResourceServerInfo runs at /authorize (where
// no organization is chosen yet: consent decides), and at /token for every grant, where it
// bounds the token by the plan, the client and, for a user's grant, the user's role now.
import { errors, type Client, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../../config/config.js';
import type { MaybePromise } from '../../lib/maybe-promise.js';
import { audienceKind, defaultResources, fitsAudience, pickResource, PROTOCOL_SCOPES, tokenResource, type Audiences } from '../../policy/audiences.js';
import type { PolicyLookups } from '../../policy/lookups.js';
import { clientCredentialsScopes, userTokenScopes } from '../../policy/token-scopes.js';
import type { GrantOrganization } from '../../grants/records.js';

export interface ResourceIndicatorDeps {
  config: Config;
  lookups: PolicyLookups;
  grantOrganization: GrantOrganization;
  /** Every scope a token may carry. */
  knownScopes: readonly string[];
}

export function audiencesOf(config: Config): Audiences {
  return { product: config.resources, management: config.managementAudience };
}

function requestedScopes(ctx: KoaContextWithOIDC): string[] {
  const scope = ctx.oidc?.params?.scope;
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

// oidc-provider silently drops scopes it does not know; Keyward refuses them instead, so a
// client learns of a typo rather than getting a token without the scope (RFC 6749 §5.2).
function rejectUnknownScopes(requested: readonly string[], known: ReadonlySet<string>): void {
  const unknown = requested.filter((scope) => !known.has(scope));
  if (unknown.length > 0) throw new errors.InvalidScope('requested scope is not supported', unknown.join(' '));
}

async function planOrRefuse(plan: MaybePromise<readonly string[] | undefined>): Promise<readonly string[]> {
  const scopes = await plan;
  if (!scopes) throw new errors.InvalidGrant('the organization no longer exists');
  return scopes;
}

export function resourceIndicatorHooks(deps: ResourceIndicatorDeps) {
  const audiences = audiencesOf(deps.config);
  const known = new Set([...PROTOCOL_SCOPES, ...deps.knownScopes]);

  async function tokenScopes(ctx: KoaContextWithOIDC, resource: string, client: Client): Promise<string[]> {
    const clientScopes = String(client.scope ?? '').split(' ').filter(Boolean);
    if (ctx.oidc.params?.grant_type === 'client_credentials') {
      const organizationId = String((client as unknown as { organization_id: string }).organization_id);
      const plan = await planOrRefuse(deps.lookups.planOf(organizationId));
      const requested = requestedScopes(ctx);
      const decision = clientCredentialsScopes({ audiences, resource, requested, clientScopes, plan });
      if (!decision.ok) throw new errors.InvalidScope(decision.description, decision.scope);
      // No scope asked for: the client's own, as the plan allows them for this audience (RFC 6749
      // §3.3's pre-defined default), the same as the fast path. The grant reads the requested
      // scopes from the parameters after this hook, so the default goes there.
      if (requested.length === 0 && decision.scopes.length > 0) ctx.oidc.params!.scope = decision.scopes.join(' ');
      return decision.scopes;
    }
    const grant = ctx.oidc.entities.Grant;
    if (!grant?.jti || !grant.accountId) throw new errors.InvalidGrant('the grant is not bound to an organization');
    const organizationId = await deps.grantOrganization(ctx, grant.jti);
    if (!organizationId) throw new errors.InvalidGrant('the grant is not bound to an organization');
    const [role, plan] = await Promise.all([deps.lookups.roleOf(grant.accountId, organizationId), planOrRefuse(deps.lookups.planOf(organizationId))]);
    if (!role) throw new errors.InvalidGrant('the user is no longer a member of the organization');
    return userTokenScopes({ audiences, resource, role, clientScopes, plan });
  }

  return {
    defaultResource(ctx: KoaContextWithOIDC, _client: Client, oneOf?: readonly string[]): string | readonly string[] {
      const scopes = requestedScopes(ctx);
      if (oneOf) return pickResource(audiences, oneOf, scopes) ?? oneOf;
      // An authorization may cover both audiences; a token is for one (its scopes decide).
      return ctx.oidc.route === 'token' ? tokenResource(audiences, scopes) : defaultResources(audiences, scopes);
    },

    async getResourceServerInfo(ctx: KoaContextWithOIDC, resource: string, client: Client) {
      const kind = audienceKind(audiences, resource);
      if (!kind) throw new errors.InvalidTarget();
      rejectUnknownScopes(requestedScopes(ctx), known);
      const scopes = ctx.oidc.route === 'token' ? await tokenScopes(ctx, resource, client) : deps.knownScopes.filter((scope) => fitsAudience(scope, kind));
      return {
        scope: scopes.join(' '),
        audience: resource,
        accessTokenFormat: 'jwt' as const,
        accessTokenTTL: deps.config.accessTokenTtl,
        jwt: { sign: { alg: deps.config.accessTokenAlg } },
      };
    },
  };
}
