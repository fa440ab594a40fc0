// Table types, as kysely's examples write them: one interface per table, used through
// Selectable/Insertable at the repository edges.
import type { ColumnType } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

export interface OrganizationsTable {
  id: string;
  name: string;
  plan: string;
  created_at: CreatedAt;
}

export interface OAuthClientsTable {
  client_id: string;
  organization_id: string;
  name: string;
  /** HMAC-SHA256(pepper, secret) in base64url; null for public clients. */
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: Date | null;
  token_endpoint_auth_method: string;
  grant_types: Json<string[]>;
  redirect_uris: Json<string[]>;
  scope: string;
  jwks: Json<{ keys: object[] } | null>;
  can_introspect: boolean;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: Json<Record<string, unknown>>;
  /** AES-256-GCM sealed private JWK (see crypto/seal.ts). */
  private_jwk_sealed: string;
  created_at: CreatedAt;
  /** Signs from this moment on; published before it. */
  active_from: Date;
  /** Stops signing from this moment; stays published until its last token expires. */
  retired_at: Date | null;
}

export interface OidcPayloadsTable {
  model: string;
  id: string;
  payload: Json<Record<string, unknown>>;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  consumed_at: Date | null;
  expires_at: Date | null;
}

export interface UsersTable {
  id: string;
  /** Lower-cased. */
  email: string;
  /** argon2id PHC string. */
  password_hash: string;
  /** Part of the login-failure counters' keys; raised to start them afresh (unlock, new password). */
  login_generation: ColumnType<number, never, number>;
  created_at: CreatedAt;
}

export type Role = 'admin' | 'member';

export interface MembershipsTable {
  user_id: string;
  organization_id: string;
  role: Role;
  created_at: CreatedAt;
}

export interface InvitationsTable {
  id: string;
  organization_id: string;
  /** Lower-cased, like users.email. */
  email: string;
  role: Role;
  invited_by: string;
  created_at: CreatedAt;
  expires_at: Date;
}

export type ApiKeyType = 'secret' | 'publishable' | 'restricted';
export type ApiKeyMode = 'live' | 'test';

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  name: string;
  type: ApiKeyType;
  mode: ApiKeyMode;
  /** HMAC-SHA256(pepper, key), base64url; the key itself is never stored. */
  key_hash: string;
  /** `<type>_<mode>_` and the first 4 characters of the secret, for display and support. */
  key_prefix: string;
  last4: string;
  scopes: Json<string[]>;
  ip_allowlist: Json<string[]>;
  allowed_origins: Json<string[]>;
  /** Who created it: a user id, a client id or a key id. */
  created_by: string;
  created_at: CreatedAt;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface AuditEventsTable {
  id: string;
  organization_id: string | null;
  actor: string;
  action: string;
  target: string | null;
  data: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface Database {
  api_keys: ApiKeysTable;
  audit_events: AuditEventsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  organizations: OrganizationsTable;
  oauth_clients: OAuthClientsTable;
  signing_keys: SigningKeysTable;
  oidc_payloads: OidcPayloadsTable;
}
