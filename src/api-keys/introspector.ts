// RFC 7662 introspection of API keys: only for resource servers (clients registered with
// --introspect). The caller may pass the end user's address as `client_ip` (an extension
// parameter); a key with an IP allowlist is inactive without it.
import type { Introspector } from '../oauth/introspection.js';
import type { ApiKeyVerifier } from './verifier.js';

export function apiKeyIntrospector(verifier: ApiKeyVerifier): Introspector {
  return {
    async introspect(token, caller, params) {
      if (!caller.can_introspect || !verifier.looksLikeKey(token)) return undefined;
      const result = await verifier.verify(token, { ip: params?.get('client_ip') });
      if (!result.ok) return undefined;
      const { key } = result;
      return {
        active: true,
        token_type: 'api_key',
        scope: key.scopes.join(' '),
        organizationId: key.organization_id,
        key_id: key.id,
        key_type: key.type,
        livemode: key.mode === 'live',
        ...(key.expires_at ? { exp: Math.floor(key.expires_at.getTime() / 1000) } : {}),
      };
    },
  };
}
