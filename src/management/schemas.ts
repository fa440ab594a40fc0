// Request and response shapes of the management API. The OpenAPI document is generated from
// these, so the contract and the validation cannot disagree.
import { z } from 'zod';

const scopeList = z.array(z.string().max(100)).max(100);
const timestamp = z.string().datetime({ offset: true });

export const CreateApiKey = z
  .object({
    name: z.string().min(1).max(100),
    type: z.enum(['secret', 'publishable', 'restricted']).optional(),
    mode: z.enum(['live', 'test']).optional(),
    scopes: scopeList.optional(),
    ip_allowlist: z.array(z.string().max(64)).max(100).optional(),
    allowed_origins: z.array(z.string().max(200)).max(20).optional(),
    expires_at: timestamp.nullable().optional(),
  })
  .strict();

export const RotateApiKey = z.object({ grace_seconds: z.number().int().min(0).max(604_800).optional() }).strict();
export const Empty = z.object({}).strict();

export const ApiKeyObject = z.object({
  id: z.string(),
  object: z.literal('api_key'),
  name: z.string(),
  type: z.enum(['secret', 'publishable', 'restricted']),
  key_prefix: z.string(),
  last4: z.string(),
  scopes: z.array(z.string()),
  organization_id: z.string(),
  ip_allowlist: z.array(z.string()),
  allowed_origins: z.array(z.string()),
  last_used_at: timestamp.nullable(),
  expires_at: timestamp.nullable(),
  livemode: z.boolean(),
  created: timestamp,
  revoked_at: timestamp.nullable(),
});
export const ApiKeyWithSecret = ApiKeyObject.extend({ key: z.string() });

export const CreateOAuthClient = z
  .object({
    name: z.string().min(1).max(200),
    grant_types: z.array(z.enum(['authorization_code', 'client_credentials'])).min(1).max(2),
    redirect_uris: z.array(z.string().max(2000)).max(20).optional(),
    scopes: scopeList.optional(),
    public: z.boolean().optional(),
  })
  .strict();

export const RotateClientSecret = z.object({ grace_seconds: z.number().int().min(0).max(604_800).optional() }).strict();

export const OAuthClientObject = z.object({
  id: z.string(),
  object: z.literal('oauth_client'),
  name: z.string(),
  organization_id: z.string(),
  grant_types: z.array(z.string()),
  redirect_uris: z.array(z.string()),
  scopes: z.array(z.string()),
  public: z.boolean(),
  created: timestamp,
});
export const OAuthClientWithSecret = OAuthClientObject.extend({ client_secret: z.string().optional() });

const role = z.enum(['admin', 'member']);

export const InviteMember = z.object({ email: z.string().max(254), role: role.optional() }).strict();
export const ChangeRole = z.object({ role }).strict();

export const MemberObject = z.object({
  object: z.literal('member'),
  /** The user id, or the invitation id while invited. */
  id: z.string(),
  user_id: z.string().nullable(),
  email: z.string(),
  role,
  status: z.enum(['active', 'invited']),
  organization_id: z.string(),
  expires_at: timestamp.optional(),
});

export const InvitationObject = z.object({
  object: z.literal('invitation'),
  id: z.string(),
  email: z.string(),
  role,
  status: z.literal('invited'),
  organization_id: z.string(),
  expires_at: timestamp,
});

export const Deleted = z.object({ id: z.string(), object: z.string(), deleted: z.literal(true) });

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ object: z.literal('list'), data: z.array(item), has_more: z.boolean() });
}

export const ErrorObject = z.object({ error: z.string(), error_description: z.string(), param: z.string().optional(), scope: z.string().optional() });

export const RenameOrganization = z.object({ name: z.string().min(1).max(200) }).strict();

export const OrganizationObject = z.object({
  id: z.string(),
  object: z.literal('organization'),
  name: z.string(),
  plan: z.string(),
  created: timestamp,
});

export const AuditEventObject = z.object({
  id: z.string(),
  object: z.literal('audit_event'),
  action: z.string(),
  actor: z.string(),
  target: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  organization_id: z.string(),
  created: timestamp,
});

export const AuditFilters = z.object({
  action: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]*)?$/, 'must be an action such as api_key.created, or a family such as api_key.')
    .max(64)
    .optional()
    .describe('One action (api_key.created) or, ending in a dot, a family of actions (api_key.).'),
});
