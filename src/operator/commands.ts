// The CLI's commands as data, and the one function that carries them out against the
// registry. The same function serves the CLI directly and, in embedded mode while the server
// holds the database, the server's control socket (control/server.ts).
import type { RegistryServices } from '../compose/registry.js';
import { organizationCommands } from './organization-commands.js';
import { clientCommands } from './client-commands.js';
import { keyCommands } from './key-commands.js';
import { userCommands } from './user-commands.js';
import { signingKeyCommands } from './signing-key-commands.js';

export type Command =
  | { name: 'migrate' }
  | { name: 'org.create'; orgName: string; plan: string }
  | { name: 'org.set-plan'; org: string; plan: string }
  | { name: 'org.list' }
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
  | { name: 'client.list'; org: string }
  | { name: 'client.rotate-secret'; clientId: string; graceSeconds: number }
  | { name: 'client.delete'; clientId: string }
  | { name: 'user.create'; email: string; password: string; org?: string | undefined; role: string }
  | { name: 'user.list'; org: string }
  | { name: 'user.set-password'; email: string; password: string }
  | { name: 'user.unlock'; email: string }
  | { name: 'member.add'; org: string; email: string; role: string }
  | { name: 'member.remove'; org: string; email: string }
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

/** Handlers for some of the commands, each given its own command's fields. */
export type Handlers<N extends Command['name']> = {
  [K in N]: (services: RegistryServices, command: Extract<Command, { name: K }>) => Promise<CommandResult>;
};

const HANDLERS: Handlers<Command['name']> = { ...organizationCommands, ...userCommands, ...clientCommands, ...keyCommands, ...signingKeyCommands };

export async function runCommand(services: RegistryServices, command: Command): Promise<CommandResult> {
  const handle = HANDLERS[command.name] as (services: RegistryServices, command: Command) => Promise<CommandResult>;
  return handle(services, command);
}
