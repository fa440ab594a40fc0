// The public shape of a key (GET /v1/api-keys): never the hash, never the key itself.
import type { ApiKeyRecord } from './repository.js';

export interface ApiKeyObject {
  id: string;
  object: 'api_key';
  name: string;
  type: string;
  key_prefix: string;
  last4: string;
  scopes: string[];
  organization_id: string;
  ip_allowlist: string[];
  allowed_origins: string[];
  last_used_at: string | null;
  expires_at: string | null;
  livemode: boolean;
  created: string;
  revoked_at: string | null;
}

export function toKeyObject(record: ApiKeyRecord): ApiKeyObject {
  return {
    id: record.id,
    object: 'api_key',
    name: record.name,
    type: record.type,
    key_prefix: record.key_prefix,
    last4: record.last4,
    scopes: record.scopes,
    organization_id: record.organization_id,
    ip_allowlist: record.ip_allowlist,
    allowed_origins: record.allowed_origins,
    last_used_at: record.last_used_at?.toISOString() ?? null,
    expires_at: record.expires_at?.toISOString() ?? null,
    livemode: record.mode === 'live',
    created: record.created_at.toISOString(),
    revoked_at: record.revoked_at?.toISOString() ?? null,
  };
}
