// A patch of oidc-provider's internals, made on purpose: it offers no hook for checking a client
// secret, and compares the one presented with `client.clientSecret` (for Keyward, the stored
// HMAC) in `Client.prototype.compareClientSecret`. The replacement hashes what was presented and
// compares hashes in constant time, accepting the previous secret during a rotation's grace
// period. oidc-provider is pinned to an exact version (package.json); the client-authentication
// tests (test/oauth/client-credentials.test.ts, test/oauth/secret-timing.test.ts) fail if an
// upgrade stops calling it.
import type Provider from 'oidc-provider';
import type { ClientRegistry } from '../../clients/registry.js';

export function patchClientSecretComparison(provider: Provider, registry: ClientRegistry): void {
  const prototype = provider.Client.prototype as unknown as {
    compareClientSecret(this: { clientId: string }, actual: string): Promise<boolean>;
  };
  prototype.compareClientSecret = function compareClientSecret(actual) {
    return registry.secretMatches(this.clientId, actual);
  };
}
