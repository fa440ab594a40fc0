// RFC 7662 introspection of API keys: only for resource servers (clients registered with
// --introspect). Extension parameters: `client_ip`, the end user's address (a key with an IP
// allowlist is inactive without it), and `key_mode` (live or test) to refuse the other mode.
import { andThen } from '../eventually.js';
import type { Introspector } from '../oauth/introspection.js';
import type { ApiKeyVerifier } from './verifier.js';
import type { ApiKeyRecord } from './repository.js';

/** When the key stops working (seconds): its expiry, or the end of its rotation grace period if sooner. */
function endOf(key: ApiKeyRecord): number | undefined {
  const expires = key.expires_at?.getTime();
  const replaced = key.revoked_at?.getTime();
  const end = expires === undefined ? replaced : replaced === undefined ? expires : Math.min(expires, replaced);
  return end === undefined ? undefined : Math.floor(end / 1000);
}

export function apiKeyIntrospector(verifier: ApiKeyVerifier): Introspector {
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
        const exp = endOf(key);
        return {
          active: true,
          token_type: 'api_key',
          scope: key.scopes.join(' '),
          organizationId: key.organization_id,
          key_id: key.id,
          key_type: key.type,
          livemode: key.mode === 'live',
          ...(exp !== undefined ? { exp } : {}),
        };
      });
    },
  };
}
