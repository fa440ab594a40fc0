// /v1/api-keys: create, list, retrieve, revoke, rotate (rules in api-keys/service.ts).
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../db/schema.js';
import type { KeyService } from '../api-keys/service.js';
import { listApiKeys } from '../api-keys/repository.js';
import { toKeyObject } from '../api-keys/view.js';
import { EXAMPLE_ORGANIZATION_ID, list, type Operation } from './operation.js';
import * as S from './schemas.js';

const EXAMPLE_KEY = {
  id: 'key_3kT9wQmZr8XbV2nLpA7d',
  object: 'api_key',
  name: 'Billing sync',
  type: 'restricted',
  key_prefix: 'rk_live_7Hq2',
  last4: 'x9Qa',
  scopes: ['invoices:read', 'clients:read'],
  organization_id: EXAMPLE_ORGANIZATION_ID,
  ip_allowlist: ['203.0.113.0/24'],
  allowed_origins: [],
  last_used_at: null,
  expires_at: '2027-03-01T00:00:00.000Z',
  livemode: true,
  created: '2026-11-25T18:00:00.000Z',
  revoked_at: null,
} as const;

export function apiKeyOperations(db: Kysely<Database>, keys: KeyService): Operation[] {
  return [
    {
      method: 'post',
      path: '/v1/api-keys',
      summary: 'Create an API key. The response carries `key`, shown this once.',
      scope: 'api-keys:write',
      status: 201,
      request: S.CreateApiKey,
      requestExample: { name: 'Billing sync', type: 'restricted', scopes: ['invoices:read', 'read:clients'], ip_allowlist: ['203.0.113.0/24'], expires_at: '2027-03-01T00:00:00Z' },
      response: S.ApiKeyWithSecret,
      responseExample: { ...EXAMPLE_KEY, key: 'rk_live_7Hq2v3Rk1ZbXo0pW9mLs4TnE8aYcU6dJfG5hQiKx2Ny0x9Qa' },
      async handle({ actor, body }) {
        const b = body as z.infer<typeof S.CreateApiKey>;
        const { record, key } = await keys.create(actor, {
          name: b.name,
          type: b.type,
          mode: b.mode,
          scopes: b.scopes,
          ipAllowlist: b.ip_allowlist,
          allowedOrigins: b.allowed_origins,
          expiresAt: b.expires_at ? new Date(b.expires_at) : null,
        });
        return { ...toKeyObject(record), key };
      },
    },
    {
      method: 'get',
      path: '/v1/api-keys',
      summary: "List the organization's API keys (cursor pagination: `limit`, `starting_after`).",
      scope: 'api-keys:read',
      status: 200,
      paginated: true,
      response: S.listOf(S.ApiKeyObject),
      responseExample: list([EXAMPLE_KEY], false),
      async handle({ actor, page }) {
        const { data, hasMore } = await listApiKeys(db, actor.organizationId, page);
        return list(data.map(toKeyObject), hasMore);
      },
    },
    {
      method: 'get',
      path: '/v1/api-keys/{id}',
      summary: 'Retrieve an API key (never the key itself).',
      scope: 'api-keys:read',
      status: 200,
      response: S.ApiKeyObject,
      responseExample: EXAMPLE_KEY,
      async handle({ actor, params }) {
        return toKeyObject(await keys.get(actor, params.id!));
      },
    },
    {
      method: 'post',
      path: '/v1/api-keys/{id}/revoke',
      summary: 'Revoke an API key on every replica within a second. Idempotent.',
      scope: 'api-keys:write',
      status: 200,
      request: S.Empty,
      requestExample: {},
      response: S.ApiKeyObject,
      responseExample: { ...EXAMPLE_KEY, revoked_at: '2026-11-26T09:00:00.000Z' },
      async handle({ actor, params }) {
        return toKeyObject(await keys.revoke(actor, params.id!));
      },
    },
    {
      method: 'post',
      path: '/v1/api-keys/{id}/rotate',
      summary: 'Issue a new key with the same settings; the old one stops now or after `grace_seconds`.',
      scope: 'api-keys:write',
      status: 201,
      request: S.RotateApiKey,
      requestExample: { grace_seconds: 3600 },
      response: S.ApiKeyWithSecret,
      responseExample: { ...EXAMPLE_KEY, id: 'key_9pLm2QwErT5yUiOp3AsD', key: 'rk_live_Q8w2v3Rk1ZbXo0pW9mLs4TnE8aYcU6dJfG5hQiKx2Ny0b7Ke', last4: 'b7Ke' },
      async handle({ actor, params, body }) {
        const b = body as z.infer<typeof S.RotateApiKey>;
        const { record, key } = await keys.rotate(actor, params.id!, b.grace_seconds ?? 0);
        return { ...toKeyObject(record), key };
      },
    },
  ];
}
