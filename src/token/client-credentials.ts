// client_credentials on the fast path (token/fast-path.ts): a client authenticated with
// client_secret_basic, scopes it holds, and nothing else but scope and resource. The token's
// audience and scopes are decided by the same policy functions oidc-provider's hooks call
// (policy/audiences.ts, policy/token-scopes.ts); a request the policy refuses is handed over,
// so oidc-provider words the refusal.
import type { ClientRegistry } from '../clients/registry.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import type { KeySet } from '../signing-keys/key-set.js';
import { audienceKind, tokenResource, type Audiences } from '../policy/audiences.js';
import { clientCredentialsCeiling, clientCredentialsRefusal } from '../policy/token-scopes.js';
import { basicClient } from './basic-client.js';
import { signAccessToken, tokenId } from './access-token.js';
import { signerCache } from './signer.js';
import { onlyParameters, requestedScopes, type FastGrant } from './fast-path.js';

const PARAMETERS = new Set(['grant_type', 'scope', 'resource']);

export interface ClientCredentialsDeps {
  issuer: string;
  audiences: Audiences;
  /** Every scope an access token may carry. */
  scopes: readonly string[];
  /** The organization's plan now (policy/lookups.ts); undefined: no such organization. */
  planOf: (organizationId: string) => MaybePromise<readonly string[] | undefined>;
  accessTokenTtl: number;
  accessTokenAlg: string;
  registry: ClientRegistry;
  keySet: () => KeySet;
  /** Throws while the protocol store is down: a token that could not be revoked is not issued. */
  assertStoreAvailable: () => void;
  onIssued: () => void;
}

export function clientCredentialsGrant(deps: ClientCredentialsDeps): FastGrant {
  const tokenScopes = new Set(deps.scopes);
  const signerFor = signerCache(deps.accessTokenAlg);

  return async (req, params) => {
    if (!onlyParameters(params, PARAMETERS)) return undefined;
    const scopes = requestedScopes(params, tokenScopes);
    if (!scopes) return undefined;
    const resource = (params.resource as string | undefined) ?? tokenResource(deps.audiences, scopes);
    if (!audienceKind(deps.audiences, resource)) return undefined;

    const client = await basicClient(deps.registry, req, 'client_credentials');
    // oidc-provider refuses a client without scopes as invalid metadata: so does this path.
    if (!client || client.scope === '') return undefined;
    const clientScopes = client.scope.split(' ');
    const allowed = new Set(clientScopes);
    if (scopes.some((scope) => !allowed.has(scope))) return undefined;
    const lookup = deps.planOf(client.organization_id);
    // No await on a cache hit: each turn of the microtask queue shows at this rate (src/lib/maybe-promise.ts).
    const plan = lookup instanceof Promise ? await lookup : lookup;
    if (!plan) return undefined;
    const request = { audiences: deps.audiences, resource, requested: scopes, clientScopes, plan };
    if (clientCredentialsRefusal(request)) return undefined;
    // No scope asked for: every scope the client may have in this token (RFC 6749 §3.3 default).
    const granted = scopes.length > 0 ? scopes : clientCredentialsCeiling(request);
    deps.assertStoreAvailable();
    const signer = signerFor(deps.keySet());
    if (!signer) return undefined;

    const scope = [...new Set(granted)].join(' ');
    const token = await signAccessToken(signer, {
      jti: tokenId(),
      organizationId: client.organization_id,
      sub: client.client_id,
      clientId: client.client_id,
      scope,
      audience: resource,
      issuer: deps.issuer,
      ttl: deps.accessTokenTtl,
    });
    deps.onIssued();
    return { status: 200, body: { access_token: token, expires_in: deps.accessTokenTtl, ...(scope ? { scope } : {}), token_type: 'Bearer' } };
  };
}
