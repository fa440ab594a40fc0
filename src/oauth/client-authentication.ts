// Client authentication for Keyward's own endpoints (introspection, revocation):
// client_secret_basic and client_secret_post (RFC 6749 §2.3.1), and `none` for public clients
// where the endpoint allows it. Unknown client and wrong secret get the same answer.
import { KeywardError } from '../lib/errors.js';
import type { ClientRegistry } from '../clients/registry.js';
import type { ClientRecord } from '../clients/repository.js';
import { andThen, type MaybePromise } from '../lib/maybe-promise.js';

const failed = () => new KeywardError('invalid_client', 'client authentication failed');

const BASIC = /^\s*Basic ([A-Za-z0-9+/]+=*)\s*$/i;

// RFC 6749 §2.3.1: both parts are form-urlencoded before base64. Most carry no escape at all.
const formDecode = (part: string) => (/[%+]/.test(part) ? decodeURIComponent(part.replace(/\+/g, ' ')) : part);

/** client_secret_basic credentials, or undefined when the header is not well-formed Basic. */
export function parseBasicCredentials(header: string): { id: string; secret: string } | undefined {
  const match = BASIC.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/** The authenticated client, at once when it is cached (src/lib/maybe-promise.ts). */
export function authenticateClient(
  header: string | undefined,
  params: Map<string, string>,
  registry: ClientRegistry,
  options: { allowPublic: boolean },
): MaybePromise<ClientRecord> {
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (header && bodySecret !== undefined) {
    throw new KeywardError('invalid_request', 'client authentication must use exactly one method');
  }
  let id: string;
  let secret: string | undefined;
  if (header) {
    const basic = parseBasicCredentials(header);
    if (!basic) throw failed();
    ({ id, secret } = basic);
    if (bodyId !== undefined && bodyId !== id) throw new KeywardError('invalid_request', 'client_id does not match the authenticated client');
  } else if (bodyId !== undefined) {
    id = bodyId;
    secret = bodySecret;
  } else {
    throw failed();
  }
  if (id.length === 0 || id.length > 200) throw failed();

  return andThen(registry.find(id), (client) => {
    if (secret === undefined) {
      if (options.allowPublic && client?.token_endpoint_auth_method === 'none') return client;
      throw failed();
    }
    // A wrong secret and an unknown client cost the same: checkSecret hashes either way.
    if (!registry.checkSecret(client, secret) || !client) throw failed();
    return client;
  });
}
