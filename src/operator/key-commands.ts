// API keys, created and changed as the operator.
import type { RegistryServices } from '../compose/registry.js';
import type { Actor } from '../api-keys/service.js';
import { KeywardError } from '../lib/errors.js';
import { findApiKeyById, listApiKeys } from '../api-keys/repository.js';
import { toKeyObject } from '../api-keys/view.js';
import type { ApiKeyMode, ApiKeyType } from '../db/schema.js';
import { operator } from './actor.js';
import type { Handlers } from './commands.js';

const KEY_TYPES = ['secret', 'publishable', 'restricted'];
const KEY_MODES = ['live', 'test'];

async function keyOwner(services: RegistryServices, id: string): Promise<Actor> {
  const key = await findApiKeyById(services.database.db, id);
  if (!key) throw new KeywardError('not_found', `no API key ${id}`, 'id');
  return operator(key.organization_id);
}

export const keyCommands: Handlers<'key.create' | 'key.list' | 'key.rotate' | 'key.revoke'> = {
  'key.create': async (services, command) => {
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
  },
  'key.list': async (services, command) => {
    const { data } = await listApiKeys(services.database.db, command.org, { limit: 1000 });
    return { object: 'list', data: data.map(toKeyObject) };
  },
  'key.rotate': async (services, command) => {
    const { record, key } = await services.keys.rotate(await keyOwner(services, command.id), command.id, command.graceSeconds);
    return { ...toKeyObject(record), key };
  },
  'key.revoke': async (services, command) => {
    return { ...toKeyObject(await services.keys.revoke(await keyOwner(services, command.id), command.id)) };
  },
};
