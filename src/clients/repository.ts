import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, OAuthClientsTable } from '../db/schema.js';
import { KeywardError } from '../lib/errors.js';
import { randomId } from '../crypto/random.js';
import { storable } from '../db/nul-characters.js';
import { olderThan } from '../db/newest-first.js';
import { findOrganization } from '../organizations/repository.js';
import { generateClientSecret, hashClientSecret } from './secret.js';
import { validateGrantTypes, validateRedirectUri, validateScope } from './validate.js';

export type ClientRecord = Selectable<OAuthClientsTable>;

export interface NewClient {
  organizationId: string;
  name: string;
  grantTypes: string[];
  redirectUris: string[];
  /** Space-separated concrete scopes, already bounded by policy (clients/service.ts). */
  scope: string;
  isPublic: boolean;
  canIntrospect: boolean;
  /** Confidential clients only; client_secret_basic unless given. */
  tokenEndpointAuthMethod?: string | undefined;
  /** Public keys for private_key_jwt. */
  jwks?: { keys: object[] } | undefined;
}

/** The checks that need no lookup, in the order a caller hears about them. */
export function checkClientMetadata(input: Pick<NewClient, 'name' | 'grantTypes' | 'redirectUris' | 'isPublic' | 'canIntrospect'>) {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) {
    throw new KeywardError('invalid_client_metadata', 'name must be 1 to 200 characters', 'name');
  }
  const grantTypes = validateGrantTypes(input.grantTypes, input.isPublic);
  const redirectUris = [...new Set(input.redirectUris.map(validateRedirectUri))];
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    throw new KeywardError('invalid_redirect_uri', 'authorization_code clients need at least one redirect URI', 'redirect_uris');
  }
  if (!grantTypes.includes('authorization_code') && redirectUris.length > 0) {
    throw new KeywardError('invalid_client_metadata', 'redirect URIs are only for authorization_code clients', 'redirect_uris');
  }
  if (input.isPublic && input.canIntrospect) {
    throw new KeywardError('invalid_client_metadata', 'a public client cannot introspect tokens', 'introspect');
  }
  return { name, grantTypes, redirectUris };
}

export async function createClient(
  db: Kysely<Database>,
  pepper: Buffer,
  knownScopes: readonly string[],
  input: NewClient,
): Promise<{ client: ClientRecord; secret: string | undefined }> {
  const { name, grantTypes, redirectUris } = checkClientMetadata(input);
  const scope = validateScope(input.scope, knownScopes);
  // An app's users can still sign in with `openid` alone; a machine client without a scope
  // could never get a token (oidc-provider refuses its metadata).
  if (scope === '' && !grantTypes.includes('authorization_code')) {
    throw new KeywardError('invalid_client_metadata', 'a client without authorization_code needs at least one scope', 'scope');
  }
  if (!(await findOrganization(db, input.organizationId))) {
    throw new KeywardError('not_found', `no organization ${input.organizationId}`, 'organization_id');
  }
  const usesKeys = input.tokenEndpointAuthMethod === 'private_key_jwt';
  if (usesKeys !== Boolean(input.jwks)) {
    throw new KeywardError('invalid_client_metadata', 'private_key_jwt and jwks go together', 'jwks');
  }
  if (input.jwks && (!Array.isArray(input.jwks.keys) || input.jwks.keys.some((k) => typeof k !== 'object' || k === null || 'd' in k))) {
    throw new KeywardError('invalid_client_metadata', 'jwks must be {"keys": [...]} of public keys', 'jwks');
  }
  const secret = input.isPublic || usesKeys ? undefined : generateClientSecret();
  const client = await db
    .insertInto('oauth_clients')
    .values({
      client_id: randomId('cli'),
      organization_id: input.organizationId,
      name,
      secret_hash: secret ? hashClientSecret(pepper, secret) : null,
      previous_secret_hash: null,
      previous_secret_expires_at: null,
      token_endpoint_auth_method: input.isPublic ? 'none' : (input.tokenEndpointAuthMethod ?? 'client_secret_basic'),
      grant_types: JSON.stringify(grantTypes),
      redirect_uris: JSON.stringify(redirectUris),
      scope,
      jwks: JSON.stringify(input.jwks ?? null),
      can_introspect: input.canIntrospect,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { client, secret };
}

export async function findClient(db: Kysely<Database>, clientId: string): Promise<ClientRecord | undefined> {
  if (!storable(clientId)) return undefined;
  return db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

/**
 * Issues a new secret. With a grace period the old one keeps working until it ends, so a
 * deployment can roll the new secret out without a failed request.
 */
export async function rotateClientSecret(
  db: Kysely<Database>,
  pepper: Buffer,
  clientId: string,
  graceSeconds: number,
): Promise<{ client: ClientRecord; secret: string }> {
  const current = await findClient(db, clientId);
  if (!current) throw new KeywardError('not_found', `no client ${clientId}`, 'client_id');
  if (!current.secret_hash) throw new KeywardError('invalid_request', 'a public client has no secret to rotate', 'client_id');
  const secret = generateClientSecret();
  const client = await db
    .updateTable('oauth_clients')
    .set({
      secret_hash: hashClientSecret(pepper, secret),
      previous_secret_hash: graceSeconds > 0 ? current.secret_hash : null,
      previous_secret_expires_at:
        graceSeconds > 0 ? sql<Date>`now() + make_interval(secs => ${graceSeconds})` : null,
      updated_at: sql<Date>`now()`,
    })
    .where('client_id', '=', clientId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { client, secret };
}

export async function listClients(db: Kysely<Database>, organizationId: string, page: { limit: number; startingAfter?: string | undefined }) {
  let query = db.selectFrom('oauth_clients').selectAll().where('organization_id', '=', organizationId);
  if (page.startingAfter) query = query.where(olderThan({ table: 'oauth_clients', id: 'client_id' }, organizationId, page.startingAfter));
  const rows = await query.orderBy('created_at', 'desc').orderBy('client_id', 'desc').limit(page.limit + 1).execute();
  return { data: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

export async function deleteClient(db: Kysely<Database>, organizationId: string, clientId: string): Promise<boolean> {
  const result = await db.deleteFrom('oauth_clients').where('organization_id', '=', organizationId).where('client_id', '=', clientId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
