// Client authentication for Keyward's own endpoints (introspection, revocation):
// client_secret_basic and client_secret_post (RFC 6749 §2.3.1), and `none` for public clients
// where the endpoint allows it. Unknown client and wrong secret get the same answer.
import { KeywardError } from '../errors.js';
import type { ClientRegistry } from '../clients/registry.js';
import type { ClientRecord } from '../clients/repository.js';

const failed = () => new KeywardError('invalid_client', 'client authentication failed');

function parseBasic(header: string): { id: string; secret: string } {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header.trim());
  if (!match) throw failed();
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw failed();
  // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      throw failed();
    }
  };
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

export async function authenticateClient(
  authorization: string | undefined,
  params: Map<string, string>,
  registry: ClientRegistry,
  options: { allowPublic: boolean },
): Promise<ClientRecord> {
  const header = authorization;
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (header && bodySecret !== undefined) {
    throw new KeywardError('invalid_request', 'client authentication must use exactly one method');
  }
  let id: string;
  let secret: string | undefined;
  if (header) {
    ({ id, secret } = parseBasic(header));
    if (bodyId !== undefined && bodyId !== id) throw new KeywardError('invalid_request', 'client_id does not match the authenticated client');
  } else if (bodyId !== undefined) {
    id = bodyId;
    secret = bodySecret;
  } else {
    throw failed();
  }
  if (id.length === 0 || id.length > 200) throw failed();

  const client = await registry.find(id);
  if (secret === undefined) {
    if (options.allowPublic && client?.token_endpoint_auth_method === 'none') return client;
    throw failed();
  }
  // A wrong secret and an unknown client cost the same: secretMatches hashes either way.
  const matches = await registry.secretMatches(id, secret);
  if (!client || !matches) throw failed();
  return client;
}
