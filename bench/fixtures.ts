// What the scenarios present, created through the operator's commands: an organization, a
// service client (client credentials, allowed to introspect), an app (code + PKCE, refresh),
// a user who signs in, and a pool of API keys (issue 18: introspection presents 1,000 keys
// round robin, so Keyward's key cache is exercised as in production).
import type { Command, CommandResult } from '../src/operator/commands.js';
import { basicAuth } from './login-flow.js';

export const API_KEY_POOL = 1000;
const KEYS_AT_ONCE = 10;

export interface Fixtures {
  service: { id: string; secret: string; authorization: string };
  app: { id: string; secret: string; authorization: string; redirectUri: string };
  user: { email: string; password: string };
  scope: string;
  apiKeys: string[];
}

export async function provision(command: (c: Command) => Promise<CommandResult>, keyCount = API_KEY_POOL): Promise<Fixtures> {
  const scope = 'invoices:read';
  const org = String((await command({ name: 'org.create', orgName: 'Bench', plan: 'council' })).id);
  const service = await command({ name: 'client.create', org, clientName: 'bench', grants: ['client_credentials'], redirectUris: [], isPublic: false, introspect: true, scope });
  const redirectUri = 'https://app.example/cb';
  const app = await command({ name: 'client.create', org, clientName: 'app', grants: ['authorization_code'], redirectUris: [redirectUri], isPublic: false, introspect: false, scope });
  const user = { email: 'bench@example.com', password: 'bench password 1' };
  await command({ name: 'user.create', email: user.email, password: user.password, org, role: 'admin' });
  const apiKeys: string[] = [];
  while (apiKeys.length < keyCount) {
    const batch = Array.from({ length: Math.min(KEYS_AT_ONCE, keyCount - apiKeys.length) }, (_, i) =>
      command({ name: 'key.create', org, keyName: `bench ${apiKeys.length + i}`, scope, ips: [] }).then((created) => String(created.key)),
    );
    apiKeys.push(...(await Promise.all(batch)));
  }
  const credentials = (created: CommandResult) => ({ id: String(created.client_id), secret: String(created.client_secret) });
  return {
    service: { ...credentials(service), authorization: basicAuth(String(service.client_id), String(service.client_secret)) },
    app: { ...credentials(app), authorization: basicAuth(String(app.client_id), String(app.client_secret)), redirectUri },
    user,
    scope,
    apiKeys,
  };
}
