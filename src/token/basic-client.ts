// The client of a fast-path token request: client_secret_basic as oidc-provider accepts it.
// Anything else (another authentication method, a header oidc-provider would read otherwise,
// a wrong secret) is left to oidc-provider, which words the refusal.
import type { IncomingMessage } from 'node:http';
import type { ClientRegistry } from '../clients/registry.js';
import type { ClientRecord } from '../clients/repository.js';
import { parseBasicCredentials } from '../oauth/client-authentication.js';

// What oidc-provider accepts in a Basic header (canonical base64) and in its decoded parts.
const CANONICAL_BASIC = /^Basic (?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const hasControlCharacter = (value: string) => {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
};

/** Client-secret-basic credentials as oidc-provider accepts them, or undefined. */
function basicCredentials(req: IncomingMessage) {
  const header = req.headers.authorization;
  const credentials = header && header.length <= 1024 && CANONICAL_BASIC.test(header) ? parseBasicCredentials(header) : undefined;
  if (!credentials || credentials.id.length === 0 || hasControlCharacter(credentials.id) || hasControlCharacter(credentials.secret)) return undefined;
  return credentials;
}

/**
 * The client authenticated by the request's Basic header and registered for client_secret_basic
 * and `grantType`; undefined when oidc-provider must decide.
 */
export async function basicClient(registry: ClientRegistry, req: IncomingMessage, grantType: string): Promise<ClientRecord | undefined> {
  const credentials = basicCredentials(req);
  if (!credentials) return undefined;
  const client = await registry.find(credentials.id);
  // Hashed for every client, known or not (checkSecret hashes a decoy for an unknown one), so
  // the time spent here does not tell which client ids exist (checklist B20).
  const secretMatches = registry.checkSecret(client, credentials.secret);
  if (!client || !secretMatches || client.token_endpoint_auth_method !== 'client_secret_basic' || !client.grant_types.includes(grantType)) return undefined;
  return client;
}
