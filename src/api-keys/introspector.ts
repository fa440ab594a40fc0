// RFC 7662 introspection of API keys: only for resource servers (clients registered with
// --introspect). Extension parameters: `client_ip`, the end user's address (a key with an IP
// allowlist is inactive without it), and `key_mode` (live or test) to refuse the other mode.
// The scope is what the key grants under its organization's plan now.
import { andThen, type MaybePromise } from '../lib/maybe-promise.js';
import type { Introspector } from '../oauth/introspection.js';
import type { ScopeVocabulary } from '../scopes/scope.js';
import { withinPlan } from '../policy/grantor.js';
import type { ApiKeyVerifier } from './verifier.js';
import type { ApiKeyRecord } from './repository.js';

/** When the key stops working (seconds): its expiry, or the end of its rotation grace period if sooner. */
function endOf(key: ApiKeyRecord): number | undefined {
  const expires = key.expires_at?.getTime();
  const replaced = key.revoked_at?.getTime();
  const end = expires === undefined ? replaced : replaced === undefined ? expires : Math.min(expires, replaced);
  return end === undefined ? undefined : Math.floor(end / 1000);
}

export function apiKeyIntrospector(
  verifier: ApiKeyVerifier,
  planOf: (organizationId: string) => MaybePromise<readonly string[] | undefined>,
  vocabulary: ScopeVocabulary,
): Introspector {
  // Keyed by the cached record's scopes, so a hit costs no expansion (docs/benchmarks.md).
  const scopeUnderPlan = new WeakMap<readonly string[], { plan: readonly string[]; scope: string }>();
  const scopeOf = (key: ApiKeyRecord, plan: readonly string[]): string => {
    const memo = scopeUnderPlan.get(key.scopes);
    if (memo?.plan === plan) return memo.scope;
    const scope = withinPlan(key.scopes, plan, vocabulary).join(' ');
    scopeUnderPlan.set(key.scopes, { plan, scope });
    return scope;
  };
  return {
    recognizes: (token) => verifier.looksLikeKey(token),
    introspect(token, caller, params) {
      if (!caller.can_introspect) return undefined;
      const mode = params?.get('key_mode');
      const verdict = verifier.verify(token, {
        ip: params?.get('client_ip'),
        mode: mode === 'live' || mode === 'test' ? mode : undefined,
      });
      return andThen(verdict, (result) => {
        if (!result.ok) return undefined;
        const { key } = result;
        return andThen(planOf(key.organization_id), (plan) => {
          if (!plan) return undefined;
          const exp = endOf(key);
          return {
            active: true as const,
            token_type: 'api_key' as const,
            scope: scopeOf(key, plan),
            organizationId: key.organization_id,
            key_id: key.id,
            key_type: key.type,
            livemode: key.mode === 'live',
            ...(exp !== undefined ? { exp } : {}),
          };
        });
      });
    },
  };
}
