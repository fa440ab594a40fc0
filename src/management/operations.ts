// The management API as a table of operations: path, method, required scope, request and
// response schemas with examples, and the handler. The router and the OpenAPI document are
// both built from this table.
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { KeywardError } from '../errors.js';
import type { Actor, KeyService } from '../api-keys/service.js';
import { listApiKeys } from '../api-keys/repository.js';
import { toKeyObject } from '../api-keys/object.js';
import type { ClientRegistry } from '../clients/registry.js';
import { createClient, deleteClient, findClient, listClients, rotateClientSecret, type ClientRecord, type ScopeCatalog } from '../clients/repository.js';
import { addMembership, findUserByEmail, listMembers, normaliseEmail, removeMembership } from '../users/repository.js';
import { normaliseScopes, ScopeSyntaxError } from '../scopes/scope.js';
import { recordAudit } from '../audit/record.js';
import * as S from './schemas.js';

export interface OperationInput {
  actor: Actor;
  params: Record<string, string>;
  // The request schema has validated it; each handler reads the fields it declared.
  body: Record<string, unknown>;
  page: { limit: number; startingAfter?: string | undefined };
}

export interface Operation {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI form: /v1/api-keys/{id}. */
  path: string;
  summary: string;
  scope: string;
  status: 200 | 201;
  paginated?: boolean;
  request?: z.ZodType;
  requestExample?: unknown;
  response: z.ZodType;
  responseExample: unknown;
  handle(input: OperationInput): Promise<unknown>;
}

export interface OperationDeps {
  config: Config;
  db: Kysely<Database>;
  keys: KeyService;
  registry: ClientRegistry;
  pepper: Buffer;
  catalog: ScopeCatalog;
}

const EXAMPLE_KEY = {
  id: 'key_3kT9wQmZr8XbV2nLpA7d',
  object: 'api_key',
  name: 'Billing sync',
  type: 'restricted',
  key_prefix: 'rk_live_7Hq2',
  last4: 'x9Qa',
  scopes: ['invoices:read', 'clients:read'],
  organization_id: 'org_37kFLXkYzLfhJArP1ejB',
  ip_allowlist: ['203.0.113.0/24'],
  allowed_origins: [],
  last_used_at: null,
  expires_at: '2027-03-01T00:00:00.000Z',
  livemode: true,
  created: '2026-11-25T18:00:00.000Z',
  revoked_at: null,
} as const;

const EXAMPLE_CLIENT = {
  id: 'cli_en4Dn94jRpymO0NoSJ6t',
  object: 'oauth_client',
  name: 'Partner Sync',
  organization_id: 'org_37kFLXkYzLfhJArP1ejB',
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: ['https://partner.example/callback'],
  scopes: ['invoices:read'],
  public: false,
  created: '2026-11-25T18:00:00.000Z',
} as const;

function toClientObject(record: ClientRecord): z.infer<typeof S.OAuthClientObject> {
  return {
    id: record.client_id,
    object: 'oauth_client',
    name: record.name,
    organization_id: record.organization_id,
    grant_types: record.grant_types,
    redirect_uris: record.redirect_uris,
    scopes: record.scope.split(' ').filter(Boolean),
    public: record.token_endpoint_auth_method === 'none',
    created: record.created_at.toISOString(),
  };
}

function list<T>(data: T[], hasMore: boolean) {
  return { object: 'list' as const, data, has_more: hasMore };
}

export function managementOperations(deps: OperationDeps): Operation[] {
  const { db, keys } = deps;
  const vocabulary = { resources: deps.catalog.all.map((s) => s.split(':')[0]!) };

  async function clientOf(actor: Actor, id: string): Promise<ClientRecord> {
    const client = await findClient(db, id);
    // Another organization's app reads as absent: ids do not leak.
    if (!client || client.organization_id !== actor.organizationId) throw new KeywardError('not_found', `no OAuth client ${id}`, 'id');
    return client;
  }

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
    {
      method: 'post',
      path: '/v1/oauth-clients',
      summary: 'Register an OAuth app owned by the organization. `client_secret` is shown this once.',
      scope: 'oauth-clients:write',
      status: 201,
      request: S.CreateOAuthClient,
      requestExample: { name: 'Partner Sync', grant_types: ['authorization_code'], redirect_uris: ['https://partner.example/callback'], scopes: ['invoices:read'] },
      response: S.OAuthClientWithSecret,
      responseExample: { ...EXAMPLE_CLIENT, client_secret: 'kwcs_egwvALVWs6AYkHNGecFuxgRvqyTpY8AHUwmqFeoqeNb7' },
      async handle({ actor, body }) {
        const b = body as z.infer<typeof S.CreateOAuthClient>;
        let scope: string | undefined;
        try {
          scope = b.scopes ? normaliseScopes(b.scopes, vocabulary).join(' ') : undefined;
        } catch (err) {
          if (err instanceof ScopeSyntaxError) throw new KeywardError('invalid_scope', err.message, 'scopes');
          throw err;
        }
        const { client, secret } = await createClient(db, deps.pepper, deps.catalog, {
          organizationId: actor.organizationId,
          name: b.name,
          grantTypes: b.grant_types,
          redirectUris: b.redirect_uris ?? [],
          scope,
          isPublic: b.public ?? false,
          canIntrospect: false,
        });
        await recordAudit(db, { organizationId: actor.organizationId, actor: actor.id, action: 'oauth_client.created', target: client.client_id });
        return { ...toClientObject(client), ...(secret ? { client_secret: secret } : {}) };
      },
    },
    {
      method: 'get',
      path: '/v1/oauth-clients',
      summary: "List the organization's OAuth apps.",
      scope: 'oauth-clients:read',
      status: 200,
      paginated: true,
      response: S.listOf(S.OAuthClientObject),
      responseExample: list([EXAMPLE_CLIENT], false),
      async handle({ actor, page }) {
        const { data, hasMore } = await listClients(db, actor.organizationId, page);
        return list(data.map(toClientObject), hasMore);
      },
    },
    {
      method: 'get',
      path: '/v1/oauth-clients/{id}',
      summary: 'Retrieve an OAuth app.',
      scope: 'oauth-clients:read',
      status: 200,
      response: S.OAuthClientObject,
      responseExample: EXAMPLE_CLIENT,
      async handle({ actor, params }) {
        return toClientObject(await clientOf(actor, params.id!));
      },
    },
    {
      method: 'post',
      path: '/v1/oauth-clients/{id}/rotate-secret',
      summary: 'Issue a new client secret; the old one works for `grace_seconds` more.',
      scope: 'oauth-clients:write',
      status: 200,
      request: S.RotateClientSecret,
      requestExample: { grace_seconds: 3600 },
      response: S.OAuthClientWithSecret,
      responseExample: { ...EXAMPLE_CLIENT, client_secret: 'kwcs_NewSecretNewSecretNewSecretNewSecret0123' },
      async handle({ actor, params, body }) {
        await clientOf(actor, params.id!);
        const b = body as z.infer<typeof S.RotateClientSecret>;
        const { client, secret } = await rotateClientSecret(db, deps.pepper, params.id!, b.grace_seconds ?? 0);
        deps.registry.invalidate(client.client_id);
        await recordAudit(db, { organizationId: actor.organizationId, actor: actor.id, action: 'oauth_client.secret_rotated', target: client.client_id });
        return { ...toClientObject(client), client_secret: secret };
      },
    },
    {
      method: 'delete',
      path: '/v1/oauth-clients/{id}',
      summary: 'Delete an OAuth app; its tokens stop working at introspection at once.',
      scope: 'oauth-clients:write',
      status: 200,
      response: S.Deleted,
      responseExample: { id: EXAMPLE_CLIENT.id, object: 'oauth_client', deleted: true },
      async handle({ actor, params }) {
        await clientOf(actor, params.id!);
        await deleteClient(db, actor.organizationId, params.id!);
        deps.registry.invalidate(params.id!);
        await recordAudit(db, { organizationId: actor.organizationId, actor: actor.id, action: 'oauth_client.deleted', target: params.id! });
        return { id: params.id!, object: 'oauth_client', deleted: true as const };
      },
    },
    {
      method: 'get',
      path: '/v1/members',
      summary: "List the organization's members.",
      scope: 'members:read',
      status: 200,
      response: S.listOf(S.MemberObject),
      responseExample: list([{ object: 'member', user_id: 'usr_Q2w3E4r5T6y7U8i9O0pA', email: 'ada@acme.test', role: 'admin', organization_id: EXAMPLE_KEY.organization_id }], false),
      async handle({ actor }) {
        const members = await listMembers(db, actor.organizationId);
        return list(
          members.map((m) => ({ object: 'member' as const, user_id: m.user_id, email: m.email, role: m.role, organization_id: actor.organizationId })),
          false,
        );
      },
    },
    {
      method: 'post',
      path: '/v1/members',
      summary: 'Add an existing user to the organization (or change their role).',
      scope: 'members:write',
      status: 201,
      request: S.AddMember,
      requestExample: { email: 'grace@acme.test', role: 'member' },
      response: S.MemberObject,
      responseExample: { object: 'member', user_id: 'usr_Z9x8C7v6B5n4M3l2K1jH', email: 'grace@acme.test', role: 'member', organization_id: EXAMPLE_KEY.organization_id },
      async handle({ actor, body }) {
        const b = body as z.infer<typeof S.AddMember>;
        const user = await findUserByEmail(db, normaliseEmail(b.email));
        if (!user) throw new KeywardError('not_found', 'no user with this email', 'email');
        const membership = await addMembership(db, { userId: user.id, organizationId: actor.organizationId, role: b.role ?? 'member' });
        await recordAudit(db, { organizationId: actor.organizationId, actor: actor.id, action: 'member.added', target: user.id });
        return { object: 'member' as const, user_id: user.id, email: user.email, role: membership.role, organization_id: actor.organizationId };
      },
    },
    {
      method: 'delete',
      path: '/v1/members/{id}',
      summary: 'Remove a user from the organization; their grants for it stop refreshing.',
      scope: 'members:write',
      status: 200,
      response: S.Deleted,
      responseExample: { id: 'usr_Z9x8C7v6B5n4M3l2K1jH', object: 'member', deleted: true },
      async handle({ actor, params }) {
        if (!(await removeMembership(db, params.id!, actor.organizationId))) throw new KeywardError('not_found', `no member ${params.id}`, 'id');
        await recordAudit(db, { organizationId: actor.organizationId, actor: actor.id, action: 'member.removed', target: params.id! });
        return { id: params.id!, object: 'member', deleted: true as const };
      },
    },
  ];
}
