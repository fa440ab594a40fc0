// OAuth clients: register, list, rotate a secret, delete.
import type { RegistryServices } from '../compose/registry.js';
import type { Actor } from '../api-keys/service.js';
import { KeywardError } from '../lib/errors.js';
import { findClient, listClients } from '../clients/repository.js';
import { organizationRequired } from '../organizations/repository.js';
import { operator } from './actor.js';
import type { Handlers } from './commands.js';

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

async function clientOwner(services: RegistryServices, clientId: string): Promise<Actor> {
  const client = await findClient(services.database.db, clientId);
  if (!client) throw new KeywardError('not_found', `no client ${clientId}`, 'client_id');
  return operator(client.organization_id);
}

export const clientCommands: Handlers<'client.create' | 'client.list' | 'client.rotate-secret' | 'client.delete'> = {
  'client.create': async (services, command) => {
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
  },
  'client.list': async (services, command) => {
    await organizationRequired(services.database.db, command.org);
    const { data } = await listClients(services.database.db, command.org, { limit: 1000 });
    return {
      object: 'list',
      data: data.map((c) => ({ client_id: c.client_id, name: c.name, grant_types: c.grant_types, scope: c.scope, introspects: c.can_introspect, created: c.created_at.toISOString() })),
    };
  },
  'client.rotate-secret': async (services, command) => {
    const { client, secret } = await services.clients.rotateSecret(await clientOwner(services, command.clientId), command.clientId, command.graceSeconds);
    return {
      client_id: client.client_id,
      client_secret: secret,
      previous_secret_expires_at: client.previous_secret_expires_at?.toISOString() ?? null,
    };
  },
  'client.delete': async (services, command) => {
    // Through the client service: every replica forgets it within a second, the audit log says so.
    await services.clients.delete(await clientOwner(services, command.clientId), command.clientId);
    return { client_id: command.clientId, deleted: true };
  },
};
