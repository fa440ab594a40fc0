// The rules of API keys, shared by the management API and the CLI: what a key may hold (its
// type, its organization's plan, and never more than whoever creates or rotates it), and the
// audit trail and cross-replica invalidation that go with every change.
import type { Kysely } from 'kysely';
import type { ApiKeyMode, ApiKeyType, Database } from '../db/schema.js';
import type { Plans } from '../scopes/plans.js';
import { KeywardError } from '../lib/errors.js';
import { planOfOrganization } from '../organizations/repository.js';
import { expandScopes, normaliseScopes, ScopeSyntaxError, type ScopeVocabulary } from '../scopes/scope.js';
import { firstRefused, grantableProductScopes, type Grantor } from '../policy/grantor.js';
import { recordAudit } from '../audit/record.js';
import { parseAllowlist } from './ip-allowlist.js';
import { findApiKey, insertApiKey, revokeApiKey, rotateApiKey, type ApiKeyRecord, type KeyMaterial } from './repository.js';
import type { InvalidationPublisher } from '../feed/bus.js';

/** Who acts, for which organization; the grantor bounds what they may hand out (policy/grantor.ts). */
export interface Actor {
  organizationId: string;
  id: string;
  grantor: Grantor;
}

export interface KeyServiceDeps {
  db: Kysely<Database>;
  material: KeyMaterial;
  plans: Plans;
  vocabulary: ScopeVocabulary;
  publicScopes: readonly string[];
  bus: () => InvalidationPublisher | undefined;
}

export interface CreateKeyInput {
  name: string;
  type?: ApiKeyType | undefined;
  mode?: ApiKeyMode | undefined;
  scopes?: readonly string[] | undefined;
  ipAllowlist?: readonly string[] | undefined;
  allowedOrigins?: readonly string[] | undefined;
  expiresAt?: Date | null | undefined;
}

const MAX_LIFETIME_MS = 10 * 365 * 24 * 3600 * 1000;
const MAX_SCOPES = 100;

function notAllowed(scope: string, why: string): KeywardError {
  return new KeywardError('scope_not_allowed', `${scope} ${why}`, 'scopes');
}

function normalise(scopes: readonly string[], vocabulary: ScopeVocabulary): string[] {
  if (scopes.length > MAX_SCOPES) throw new KeywardError('invalid_request', `at most ${MAX_SCOPES} scopes`, 'scopes');
  try {
    return normaliseScopes(scopes, vocabulary);
  } catch (err) {
    if (err instanceof ScopeSyntaxError) throw new KeywardError('invalid_scope', err.message, 'scopes');
    throw err;
  }
}

function checkOrigins(origins: readonly string[]): string[] {
  return origins.map((origin) => {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin || !/^https?:$/.test(new URL(origin).protocol)) {
      throw new KeywardError('invalid_request', `${JSON.stringify(origin)} is not an origin such as https://app.example.com`, 'allowed_origins');
    }
    return origin;
  });
}

export function keyService(deps: KeyServiceDeps) {
  const { db, vocabulary } = deps;

  const planOf = (organizationId: string) => planOfOrganization(db, deps.plans, organizationId);

  /** Every concrete scope must be within the plan and grantable by the actor (policy/grantor.ts). */
  function checkBounds(scopes: string[], plan: readonly string[], actor: Actor): void {
    const refused = firstRefused(scopes, plan, actor.grantor, vocabulary);
    if (refused) throw notAllowed(refused.scope, refused.why);
  }

  function resolveScopes(type: ApiKeyType, requested: string[] | undefined, plan: readonly string[], actor: Actor): string[] {
    if (type === 'publishable') {
      if (deps.publicScopes.length === 0) {
        throw new KeywardError('invalid_request', 'publishable keys are off: the operator has set no PUBLIC_SCOPES, the scopes a key shipped in a web page or app may hold', 'type');
      }
      const allowed = new Set(deps.publicScopes);
      for (const scope of expandScopes(requested ?? [], vocabulary)) {
        if (!allowed.has(scope)) throw notAllowed(scope, `cannot be held by a publishable key (PUBLIC_SCOPES: ${deps.publicScopes.join(' ')})`);
      }
      // Without scopes: every public scope this organization's plan and the actor allow.
      return requested?.length ? requested : deps.publicScopes.filter((scope) => !firstRefused([scope], plan, actor.grantor, vocabulary));
    }
    if (type === 'restricted' && !requested?.length) {
      throw new KeywardError('invalid_request', 'a restricted key must list its scopes', 'scopes');
    }
    // A secret key without scopes holds the product scopes the plan allows and the actor may
    // grant, written out so that a later plan change does not silently widen it.
    return requested?.length ? requested : grantableProductScopes(plan, actor.grantor);
  }

  async function audit(actor: Actor, action: string, key: ApiKeyRecord, data: Record<string, unknown> = {}) {
    await recordAudit(db, { organizationId: key.organization_id, actor: actor.id, action, target: key.id, data });
  }

  return {
    async create(actor: Actor, input: CreateKeyInput) {
      const name = input.name.trim();
      if (name.length === 0 || name.length > 100) throw new KeywardError('invalid_request', 'name must be 1 to 100 characters', 'name');
      const type = input.type ?? 'secret';
      const plan = await planOf(actor.organizationId);
      const requested = input.scopes === undefined ? undefined : normalise(input.scopes, vocabulary);
      const scopes = resolveScopes(type, requested, plan, actor);
      checkBounds(scopes, plan, actor);
      const expiresAt = input.expiresAt ?? null;
      if (expiresAt && (expiresAt.getTime() <= Date.now() || expiresAt.getTime() > Date.now() + MAX_LIFETIME_MS)) {
        throw new KeywardError('invalid_request', 'expires_at must be in the future and within 10 years', 'expires_at');
      }
      const origins = checkOrigins(input.allowedOrigins ?? []);
      if (origins.length > 0 && type !== 'publishable') {
        throw new KeywardError('invalid_request', 'only publishable keys are bound to origins', 'allowed_origins');
      }
      const created = await insertApiKey(db, deps.material, {
        organizationId: actor.organizationId,
        name,
        type,
        mode: input.mode ?? 'live',
        scopes,
        ipAllowlist: parseAllowlist(input.ipAllowlist ?? []),
        allowedOrigins: origins,
        expiresAt,
        createdBy: actor.id,
      });
      await audit(actor, 'api_key.created', created.record, { scopes, type });
      return created;
    },

    async get(actor: Actor, id: string): Promise<ApiKeyRecord> {
      const key = await findApiKey(db, actor.organizationId, id);
      if (!key) throw new KeywardError('not_found', `no API key ${id}`, 'id');
      return key;
    },

    async revoke(actor: Actor, id: string): Promise<ApiKeyRecord> {
      const key = await revokeApiKey(db, actor.organizationId, id);
      if (!key) throw new KeywardError('not_found', `no API key ${id}`, 'id');
      await deps.bus()?.publish(key.key_hash);
      await audit(actor, 'api_key.revoked', key);
      return key;
    },

    async rotate(actor: Actor, id: string, graceSeconds: number) {
      const old = await findApiKey(db, actor.organizationId, id);
      if (!old) throw new KeywardError('not_found', `no API key ${id}`, 'id');
      if (old.revoked_at && old.revoked_at.getTime() <= Date.now()) throw new KeywardError('conflict', 'a revoked key cannot be rotated', 'id');
      // A key in its grace period was already replaced: rotating it again would extend its life.
      if (old.revoked_at) throw new KeywardError('conflict', 'this key was already rotated; rotate its replacement instead', 'id');
      checkBounds(old.scopes, await planOf(actor.organizationId), actor);
      const rotated = await rotateApiKey(db, deps.material, old, graceSeconds, actor.id);
      await deps.bus()?.publish(old.key_hash);
      await audit(actor, 'api_key.rotated', rotated.record, { previous: old.id, grace_seconds: graceSeconds });
      return rotated;
    },
  };
}

export type KeyService = ReturnType<typeof keyService>;
