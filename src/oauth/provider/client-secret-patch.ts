// oidc-provider compares the presented client secret with `client.clientSecret`, which for
// Keyward is the stored HMAC. The override hashes what was presented and compares hashes in
// constant time, accepting the previous secret during a rotation's grace period.
import type Provider from 'oidc-provider';
import type { ClientRegistry } from '../../clients/registry.js';

export function installClientSecretCheck(provider: Provider, registry: ClientRegistry): void {
  const prototype = provider.Client.prototype as unknown as {
    compareClientSecret(this: { clientId: string }, actual: string): Promise<boolean>;
  };
  prototype.compareClientSecret = function compareClientSecret(actual) {
    return registry.secretMatches(this.clientId, actual);
  };
}
