// OAuth clients: register, rotate a secret.
import { KeywardError } from '../lib/errors.js';
import { findClient } from '../clients/repository.js';
import { operator } from './actor.js';
import type { Handlers } from './commands.js';

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

export const clientCommands: Handlers<'client.create' | 'client.rotate-secret'> = {
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
  'client.rotate-secret': async (services, command) => {
    const owner = await findClient(services.database.db, command.clientId);
    if (!owner) throw new KeywardError('not_found', `no client ${command.clientId}`, 'client_id');
    const { client, secret } = await services.clients.rotateSecret(operator(owner.organization_id), command.clientId, command.graceSeconds);
    return {
      client_id: client.client_id,
      client_secret: secret,
      previous_secret_expires_at: client.previous_secret_expires_at?.toISOString() ?? null,
    };
  },
};
