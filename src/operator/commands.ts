// The CLI's commands as data, and the one function that carries them out against the
// registry. The same function serves the CLI directly and, in embedded mode while the server
// holds the database, the server's control socket (control/server.ts).
import type { RegistryServices } from '../compose/registry.js';
import { migrateToLatest } from '../db/migrate.js';
import { KeywardError } from '../lib/errors.js';
import { createOrganization, findOrganization, setOrganizationPlan } from '../organizations/repository.js';
import { addMembership, createUser } from '../users/repository.js';
import { findClient } from '../clients/repository.js';
import type { Actor } from '../api-keys/service.js';
import { findApiKeyById, listApiKeys } from '../api-keys/repository.js';
import { toKeyObject } from '../api-keys/view.js';
import { organizationChanged } from '../policy/lookups.js';
import type { ApiKeyMode, ApiKeyType } from '../db/schema.js';
import { listSigningKeys, rotateSigningKeys } from '../signing-keys/repository.js';

export type Command =
  | { name: 'migrate' }
  | { name: 'org.create'; orgName: string; plan: string }
  | { name: 'org.set-plan'; org: string; plan: string }
  | {
      name: 'client.create';
      org: string;
      clientName: string;
      grants: string[];
      redirectUris: string[];
      scope?: string | undefined;
      isPublic: boolean;
      introspect: boolean;
      authMethod?: string | undefined;
      jwks?: { keys: object[] } | undefined;
    }
  | { name: 'client.rotate-secret'; clientId: string; graceSeconds: number }
  | { name: 'user.create'; email: string; password: string; org?: string | undefined; role: string }
  | { name: 'member.add'; org: string; email: string; role: string }
  | {
      name: 'key.create';
      org: string;
      keyName: string;
      scope?: string | undefined;
      type?: string | undefined;
      mode?: string | undefined;
      ips: string[];
      expiresInSeconds?: number | undefined;
    }
  | { name: 'key.list'; org: string }
  | { name: 'key.rotate'; id: string; graceSeconds: number }
  | { name: 'key.revoke'; id: string }
  | { name: 'signing-key.rotate' }
  | { name: 'signing-key.list' };

export type CommandResult = Record<string, unknown>;

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
const KEY_TYPES = ['secret', 'publishable', 'restricted'];
const KEY_MODES = ['live', 'test'];

/** The CLI acts as the operator: bounded by plans, not by a creator's scopes. */
function operator(organizationId: string): Actor {
  return { organizationId, id: 'cli', grantor: { kind: 'operator' } };
}

async function keyOwner(services: RegistryServices, id: string): Promise<Actor> {
  const key = await findApiKeyById(services.database.db, id);
  if (!key) throw new KeywardError('not_found', `no API key ${id}`, 'id');
  return operator(key.organization_id);
}

function checkPlan(services: RegistryServices, plan: string): void {
  const planNames = Object.keys(services.config.plans);
  if (!planNames.includes(plan)) throw new KeywardError('invalid_request', `unknown plan ${JSON.stringify(plan)} (plans: ${planNames.join(', ')})`, 'plan');
}

export async function runCommand(services: RegistryServices, command: Command): Promise<CommandResult> {
  const { db } = services.database;
  switch (command.name) {
    case 'migrate': {
      const { applied } = await migrateToLatest(db);
      return { applied };
    }
    case 'org.create': {
      checkPlan(services, command.plan);
      const name = command.orgName.trim();
      if (name.length === 0 || name.length > 200) throw new KeywardError('invalid_request', 'name must be 1 to 200 characters', 'name');
      const org = await createOrganization(db, { name, plan: command.plan });
      return { id: org.id, name: org.name, plan: org.plan };
    }
    case 'org.set-plan': {
      checkPlan(services, command.plan);
      if (!(await findOrganization(db, command.org))) throw new KeywardError('not_found', `no organization ${command.org}`, 'org');
      const org = await setOrganizationPlan(db, command.org, command.plan);
      // Every replica issues the next token under the new plan.
      await services.feed()?.publish(organizationChanged(org.id));
      return { id: org.id, name: org.name, plan: org.plan };
    }
    case 'client.create': {
      if (command.authMethod !== undefined && !AUTH_METHODS.includes(command.authMethod)) {
        throw new KeywardError('invalid_request', `--auth-method must be one of ${AUTH_METHODS.join(', ')}`, 'auth_method');
      }
      const { client, secret } = await services.clients.register(operator(command.org), {
        name: command.clientName,
        grantTypes: command.grants,
        redirectUris: command.redirectUris,
        scopes: command.scope === undefined ? undefined : command.scope.split(/\s+/).filter(Boolean),
        isPublic: command.isPublic,
        canIntrospect: command.introspect,
        tokenEndpointAuthMethod: command.authMethod,
        jwks: command.jwks,
      });
      return {
        client_id: client.client_id,
        ...(secret ? { client_secret: secret } : {}),
        organization_id: client.organization_id,
        grant_types: client.grant_types,
        redirect_uris: client.redirect_uris,
        scope: client.scope,
        token_endpoint_auth_method: client.token_endpoint_auth_method,
      };
    }
    case 'user.create': {
      // Both writes or neither: a user is never left behind by a bad --org.
      return db.transaction().execute(async (trx) => {
        const user = await createUser(trx, { email: command.email, password: command.password });
        if (command.org) await addMembership(trx, { userId: user.id, organizationId: command.org, role: command.role });
        return { id: user.id, email: user.email, ...(command.org ? { organization_id: command.org, role: command.role } : {}) };
      });
    }
    case 'member.add': {
      return services.members.add(operator(command.org), { email: command.email, role: command.role });
    }
    case 'key.create': {
      if (command.type !== undefined && !KEY_TYPES.includes(command.type)) throw new KeywardError('invalid_request', '--type must be secret, publishable or restricted', 'type');
      if (command.mode !== undefined && !KEY_MODES.includes(command.mode)) throw new KeywardError('invalid_request', '--mode must be live or test', 'mode');
      const { record, key } = await services.keys.create(operator(command.org), {
        name: command.keyName,
        type: command.type as ApiKeyType | undefined,
        mode: command.mode as ApiKeyMode | undefined,
        scopes: command.scope === undefined ? undefined : command.scope.split(/\s+/).filter(Boolean),
        ipAllowlist: command.ips,
        expiresAt: command.expiresInSeconds ? new Date(Date.now() + command.expiresInSeconds * 1000) : null,
      });
      return { ...toKeyObject(record), key };
    }
    case 'key.list': {
      const { data } = await listApiKeys(db, command.org, { limit: 1000 });
      return { object: 'list', data: data.map(toKeyObject) };
    }
    case 'key.rotate': {
      const { record, key } = await services.keys.rotate(await keyOwner(services, command.id), command.id, command.graceSeconds);
      return { ...toKeyObject(record), key };
    }
    case 'key.revoke': {
      return { ...toKeyObject(await services.keys.revoke(await keyOwner(services, command.id), command.id)) };
    }
    case 'signing-key.rotate': {
      const algs = [...new Set([services.config.accessTokenAlg, 'RS256' as const])];
      const rotated = await rotateSigningKeys(db, services.keyring.sealingKey, algs, services.config.signingKeyPropagation);
      return { rotated: rotated.map((k) => ({ kid: k.kid, alg: k.alg, signs_from: k.activeFrom.toISOString() })) };
    }
    case 'signing-key.list': {
      const now = Date.now();
      const keys = await listSigningKeys(db);
      return {
        data: keys.map((k) => ({
          kid: k.kid,
          alg: k.alg,
          state: k.active_from.getTime() > now ? 'pending' : k.retired_at && k.retired_at.getTime() <= now ? 'retired' : 'active',
          signs_from: k.active_from.toISOString(),
          retired_at: k.retired_at?.toISOString() ?? null,
        })),
      };
    }
    case 'client.rotate-secret': {
      const owner = await findClient(db, command.clientId);
      if (!owner) throw new KeywardError('not_found', `no client ${command.clientId}`, 'client_id');
      const { client, secret } = await services.clients.rotateSecret(operator(owner.organization_id), command.clientId, command.graceSeconds);
      return {
        client_id: client.client_id,
        client_secret: secret,
        previous_secret_expires_at: client.previous_secret_expires_at?.toISOString() ?? null,
      };
    }
  }
}
