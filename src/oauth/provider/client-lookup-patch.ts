// A patch of oidc-provider's internals, made on purpose, as client-secret-patch.ts is. For a
// client its adapter supplies, `Client.find` asks the adapter, serialises the metadata it gets,
// hashes it (SHA-256) and looks the hash up in an LRU of 100 built clients, building one
// (schema validation and all) on a miss: every token request paid the first three, and with
// more than 100 clients in use, the build too. The registry (clients/registry.ts) already
// holds each client's record as one object until the record changes, so the client built
// from a record is kept with it: the same record gives the same Client without serialising,
// hashing or rebuilding. A changed or reloaded record is a new object, built afresh by
// oidc-provider's own `find`; static clients (the dashboard) and unknown ids go to it untouched.
// oidc-provider is pinned to an exact version (package.json); test/oauth/provider-pipeline.test.ts
// fails if an upgrade stops going through `Client.find`.
import type Provider from 'oidc-provider';
import type { Client } from 'oidc-provider';
import type { ClientRegistry } from '../../clients/registry.js';
import type { ClientRecord } from '../../clients/repository.js';

export function patchClientLookup(provider: Provider, registry: ClientRegistry, staticClientIds: readonly string[]): void {
  const statics = new Set(staticClientIds);
  const Clients = provider.Client as unknown as { find(id: unknown): Promise<Client | undefined> };
  const find = Clients.find.bind(Clients);
  const built = new WeakMap<ClientRecord, Client>();
  Clients.find = async function cachedFind(id: unknown): Promise<Client | undefined> {
    if (typeof id !== 'string' || id.length === 0 || statics.has(id)) return find(id);
    const lookup = registry.find(id);
    const record = lookup instanceof Promise ? await lookup : lookup;
    if (!record) return find(id);
    let client = built.get(record);
    if (!client) {
      // find() reads the registry again: the same record unless it changed meanwhile, and a
      // record replaced meanwhile is never looked up again, so what is kept here is never stale.
      client = await find(id);
      if (client) built.set(record, client);
    }
    return client;
  };
}
