// The rules of OAuth clients, shared by the management API and the operator's CLI: what an app
// may be registered with (its organization's plan, and never more than whoever registers it),
// who may take over its secret, and the audit trail and cache invalidation that go with every
// change. Clients registered with --introspect see every organization's tokens: only the
// operator manages them.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { KeywardError } from '../lib/errors.js';
import { planOfOrganization } from '../organizations/repository.js';
import { expandScopes, normaliseScopes, ScopeSyntaxError, type ScopeVocabulary } from '../scopes/scope.js';
import type { Plans } from '../scopes/plans.js';
import { recordAudit } from '../audit/record.js';
import { firstRefused, grantableProductScopes } from '../policy/grantor.js';
import type { Actor } from '../api-keys/service.js';
import { clientChanged, type ClientRegistry } from './registry.js';
import type { InvalidationPublisher } from '../feed/bus.js';
import { checkClientMetadata, createClient, deleteClient, findClient, listClients, rotateClientSecret, type ClientRecord } from './repository.js';

export interface ClientServiceDeps {
  db: Kysely<Database>;
  pepper: Buffer;
  plans: Plans;
  vocabulary: ScopeVocabulary;
  /** Every scope a client may be registered with. */
  knownScopes: readonly string[];
  registry: ClientRegistry;
  feed: () => InvalidationPublisher | undefined;
}

export interface RegisterClientInput {
  name: string;
  grantTypes: string[];
  redirectUris: string[];
  /** Any accepted spelling, wildcards allowed; omitted: the product scopes the actor may grant. */
  scopes?: readonly string[] | undefined;
  isPublic: boolean;
  canIntrospect?: boolean | undefined;
  tokenEndpointAuthMethod?: string | undefined;
  jwks?: { keys: object[] } | undefined;
}

const MAX_SCOPES = 100;

export function clientService(deps: ClientServiceDeps) {
  const { db, vocabulary } = deps;

  const planOf = (organizationId: string) => planOfOrganization(db, deps.plans, organizationId);

  function concreteScopes(scopes: readonly string[]): string[] {
    if (scopes.length > MAX_SCOPES) throw new KeywardError('invalid_request', `at most ${MAX_SCOPES} scopes`, 'scopes');
    try {
      return expandScopes(normaliseScopes(scopes, vocabulary), vocabulary);
    } catch (err) {
      if (err instanceof ScopeSyntaxError) throw new KeywardError('invalid_scope', err.message, 'scopes');
      throw err;
    }
  }

  /** Whoever takes over a client's secret gets every scope it holds: they must be able to grant them. */
  function checkBounds(scopes: readonly string[], plan: readonly string[], actor: Actor): void {
    const refused = firstRefused(scopes, plan, actor.grantor, vocabulary);
    if (refused) throw new KeywardError('scope_not_allowed', `${refused.scope} ${refused.why}`, 'scopes');
  }

  /** The actor's organization's client; another organization's reads as absent (the operator sees all). */
  async function owned(actor: Actor, clientId: string): Promise<ClientRecord> {
    const client = await findClient(db, clientId);
    const visible = client && (actor.grantor.kind === 'operator' || client.organization_id === actor.organizationId);
    if (!visible) throw new KeywardError('not_found', `no OAuth client ${clientId}`, 'id');
    return client;
  }

  function operatorOnly(actor: Actor, client: ClientRecord): void {
    if (client.can_introspect && actor.grantor.kind !== 'operator') {
      throw new KeywardError('access_denied', 'clients that introspect tokens are managed by the operator (keyward client ...)', 'id');
    }
  }

  /** This replica at once, every other one within a second. */
  async function changed(clientId: string): Promise<void> {
    deps.registry.invalidate(clientId);
    await deps.feed()?.publish(clientChanged(clientId));
  }

  async function audit(actor: Actor, action: string, client: ClientRecord, data: Record<string, unknown> = {}) {
    await recordAudit(db, { organizationId: client.organization_id, actor: actor.id, action, target: client.client_id, data });
  }

  return {
    async register(actor: Actor, input: RegisterClientInput): Promise<{ client: ClientRecord; secret: string | undefined }> {
      if (input.canIntrospect && actor.grantor.kind !== 'operator') {
        throw new KeywardError('access_denied', 'only the operator registers clients that introspect tokens', 'introspect');
      }
      checkClientMetadata({ ...input, canIntrospect: input.canIntrospect ?? false });
      const plan = await planOf(actor.organizationId);
      const scopes =
        input.scopes === undefined
          ? grantableProductScopes(plan, actor.grantor)
          : concreteScopes(input.scopes);
      checkBounds(scopes, plan, actor);
      const created = await createClient(db, deps.pepper, deps.knownScopes, {
        organizationId: actor.organizationId,
        name: input.name,
        grantTypes: input.grantTypes,
        redirectUris: input.redirectUris,
        scope: scopes.join(' '),
        isPublic: input.isPublic,
        canIntrospect: input.canIntrospect ?? false,
        tokenEndpointAuthMethod: input.tokenEndpointAuthMethod,
        jwks: input.jwks,
      });
      await changed(created.client.client_id);
      await audit(actor, 'oauth_client.created', created.client, { scopes, grant_types: created.client.grant_types });
      return created;
    },

    get: owned,

    list(actor: Actor, page: { limit: number; startingAfter?: string | undefined }) {
      return listClients(db, actor.organizationId, page);
    },

    async rotateSecret(actor: Actor, clientId: string, graceSeconds: number) {
      const current = await owned(actor, clientId);
      operatorOnly(actor, current);
      checkBounds(current.scope.split(' ').filter(Boolean), await planOf(current.organization_id), actor);
      const rotated = await rotateClientSecret(db, deps.pepper, clientId, graceSeconds);
      await changed(clientId);
      await audit(actor, 'oauth_client.secret_rotated', rotated.client, { grace_seconds: graceSeconds });
      return rotated;
    },

    async delete(actor: Actor, clientId: string): Promise<void> {
      const client = await owned(actor, clientId);
      operatorOnly(actor, client);
      await deleteClient(db, client.organization_id, clientId);
      await changed(clientId);
      await audit(actor, 'oauth_client.deleted', client);
    },
  };
}

export type ClientService = ReturnType<typeof clientService>;
