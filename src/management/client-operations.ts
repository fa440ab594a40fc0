// /v1/oauth-clients: register, list, retrieve, rotate the secret, delete (rules in
// clients/service.ts).
import type { z } from 'zod';
import type { ClientRecord } from '../clients/repository.js';
import type { ClientService } from '../clients/service.js';
import { EXAMPLE_ORGANIZATION_ID, list, type Operation } from './operation.js';
import * as S from './schemas.js';

const EXAMPLE_CLIENT = {
  id: 'cli_en4Dn94jRpymO0NoSJ6t',
  object: 'oauth_client',
  name: 'Partner Sync',
  organization_id: EXAMPLE_ORGANIZATION_ID,
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

export function clientOperations(clients: ClientService): Operation[] {
  return [
    {
      method: 'post',
      path: '/v1/oauth-clients',
      summary:
        'Register an OAuth app owned by the organization. Its scopes are bounded by the plan and by the caller: without `scopes`, the product scopes the caller may grant. `client_secret` is shown this once.',
      scope: 'oauth-clients:write',
      status: 201,
      request: S.CreateOAuthClient,
      requestExample: { name: 'Partner Sync', grant_types: ['authorization_code'], redirect_uris: ['https://partner.example/callback'], scopes: ['invoices:read'] },
      response: S.OAuthClientWithSecret,
      responseExample: { ...EXAMPLE_CLIENT, client_secret: 'kwcs_egwvALVWs6AYkHNGecFuxgRvqyTpY8AHUwmqFeoqeNb7' },
      async handle({ actor, body }) {
        const b = body as z.infer<typeof S.CreateOAuthClient>;
        const { client, secret } = await clients.register(actor, {
          name: b.name,
          grantTypes: b.grant_types,
          redirectUris: b.redirect_uris ?? [],
          scopes: b.scopes,
          isPublic: b.public ?? false,
        });
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
        const { data, hasMore } = await clients.list(actor, page);
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
        return toClientObject(await clients.get(actor, params.id!));
      },
    },
    {
      method: 'post',
      path: '/v1/oauth-clients/{id}/rotate-secret',
      summary:
        "Issue a new client secret; the old one works for `grace_seconds` more. Whoever holds the secret holds the app's scopes, so the caller must be able to grant every one of them.",
      scope: 'oauth-clients:write',
      status: 200,
      request: S.RotateClientSecret,
      requestExample: { grace_seconds: 3600 },
      response: S.OAuthClientWithSecret,
      responseExample: { ...EXAMPLE_CLIENT, client_secret: 'kwcs_NewSecretNewSecretNewSecretNewSecret0123' },
      async handle({ actor, params, body }) {
        const b = body as z.infer<typeof S.RotateClientSecret>;
        const { client, secret } = await clients.rotateSecret(actor, params.id!, b.grace_seconds ?? 0);
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
        await clients.delete(actor, params.id!);
        return { id: params.id!, object: 'oauth_client', deleted: true as const };
      },
    },
  ];
}
