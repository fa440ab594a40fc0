// oidc-provider's resource-indicator hooks (RFC 8707), answered by the policy: which audience a
// request is for when it names none (policy/audiences.ts), and which scopes a token for that
// audience may carry (policy/token-scopes.ts). getResourceServerInfo runs at /authorize (where
// no organization is chosen yet: consent decides), and at /token for every grant, where it
// bounds the token by the plan, the client and, for a user's grant, the user's role now.
import { errors, type Client, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../../config/config.js';
import { andThen, type MaybePromise } from '../../lib/maybe-promise.js';
import { audienceKind, defaultResources, fitsAudience, pickResource, PROTOCOL_SCOPES, tokenResource, type Audiences } from '../../policy/audiences.js';
import type { PolicyLookups } from '../../policy/lookups.js';
import { clientCredentialsCeiling, clientCredentialsRefusal, userTokenScopes } from '../../policy/token-scopes.js';
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

function planOrRefuse(plan: readonly string[] | undefined): readonly string[] {
  if (!plan) throw new errors.InvalidGrant('the organization no longer exists');
  return plan;
}

export function resourceIndicatorHooks(deps: ResourceIndicatorDeps) {
  const audiences = audiencesOf(deps.config);
  const known = new Set([...PROTOCOL_SCOPES, ...deps.knownScopes]);
  // At /authorize: every known scope of the audience's kind, the same for every request.
  const authorizable = {
    product: deps.knownScopes.filter((scope) => fitsAudience(scope, 'product')).join(' '),
    management: deps.knownScopes.filter((scope) => fitsAudience(scope, 'management')).join(' '),
  };
  const serverInfo = (resource: string, scope: string) => ({
    scope,
    audience: resource,
    accessTokenFormat: 'jwt' as const,
    accessTokenTTL: deps.config.accessTokenTtl,
    jwt: { sign: { alg: deps.config.accessTokenAlg } },
  });

  /**
   * The scopes (space-separated) a client-credentials token for `resource` may carry: at once
   * when the plan is cached (src/lib/maybe-promise.ts), as most requests find it.
   */
  function clientCredentialsScopes(ctx: KoaContextWithOIDC, resource: string, client: Client, requested: string[]): MaybePromise<string> {
    const organizationId = String((client as unknown as { organization_id: string }).organization_id);
    return andThen(deps.lookups.planOf(organizationId), (found) => {
      const plan = planOrRefuse(found);
      const clientScopes = String(client.scope ?? '').split(' ').filter(Boolean);
      // The same decision as policy/token-scopes.ts's clientCredentialsScopes: the requested
      // scopes checked, then the ceiling (kept per plan there).
      const refused = clientCredentialsRefusal({ audiences, resource, requested, clientScopes, plan });
      if (refused) throw new errors.InvalidScope(refused.description, refused.scope);
      const ceiling = clientCredentialsCeiling({ audiences, resource, clientScopes, plan }).join(' ');
      // No scope asked for: the client's own, as the plan allows them for this audience (RFC 6749
      // §3.3's pre-defined default), the same as the fast path. The grant reads the requested
      // scopes from the parameters after this hook, so the default goes there.
      if (requested.length === 0 && ceiling !== '') ctx.oidc.params!.scope = ceiling;
      return ceiling;
    });
  }

  /** The scopes (space-separated) a token issued under a user's grant may carry now. */
  async function userScopes(ctx: KoaContextWithOIDC, resource: string, client: Client): Promise<string> {
    const clientScopes = String(client.scope ?? '').split(' ').filter(Boolean);
    const grant = ctx.oidc.entities.Grant;
    if (!grant?.jti || !grant.accountId) throw new errors.InvalidGrant('the grant is not bound to an organization');
    const organizationId = await deps.grantOrganization(ctx, grant.jti);
    if (!organizationId) throw new errors.InvalidGrant('the grant is not bound to an organization');
    const [role, found] = await Promise.all([deps.lookups.roleOf(grant.accountId, organizationId), deps.lookups.planOf(organizationId)]);
    const plan = planOrRefuse(found);
    if (!role) throw new errors.InvalidGrant('the user is no longer a member of the organization');
    return userTokenScopes({ audiences, resource, role, clientScopes, plan }).join(' ');
  }

  return {
    defaultResource(ctx: KoaContextWithOIDC, _client: Client, oneOf?: readonly string[]): string | readonly string[] {
      const scopes = requestedScopes(ctx);
      if (oneOf) return pickResource(audiences, oneOf, scopes) ?? oneOf;
      // An authorization may cover both audiences; a token is for one (its scopes decide).
      return ctx.oidc.route === 'token' ? tokenResource(audiences, scopes) : defaultResources(audiences, scopes);
    },

    // Not async: oidc-provider awaits the answer, and a client-credentials token usually has it
    // at once (three promises a token fewer, each also seen by the async hooks).
    getResourceServerInfo(ctx: KoaContextWithOIDC, resource: string, client: Client) {
      const kind = audienceKind(audiences, resource);
      if (!kind) throw new errors.InvalidTarget();
      const requested = requestedScopes(ctx);
      rejectUnknownScopes(requested, known);
      if (ctx.oidc.route !== 'token') return serverInfo(resource, authorizable[kind]);
      const scope = ctx.oidc.params?.grant_type === 'client_credentials' ? clientCredentialsScopes(ctx, resource, client, requested) : userScopes(ctx, resource, client);
      return andThen(scope, (granted) => serverInfo(resource, granted));
    },
  };
}
