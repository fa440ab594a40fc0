// An organization's admins rename it (POST /v1/organization, organizations:write); the plan is the
// operator's to change (`keyward org set-plan`), never the organization's own.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { KeywardError } from '../lib/errors.js';
import { recordAudit } from '../audit/record.js';
import { organizationRequired, type Organization } from './repository.js';

export const ORGANIZATION_NAME_MAX = 200;

export async function renameOrganization(db: Kysely<Database>, input: { organizationId: string; actor: string; name: string }): Promise<Organization> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > ORGANIZATION_NAME_MAX) throw new KeywardError('invalid_request', `name must be 1 to ${ORGANIZATION_NAME_MAX} characters`, 'name');
  const before = await organizationRequired(db, input.organizationId);
  const renamed = await db.updateTable('organizations').set({ name }).where('id', '=', input.organizationId).returningAll().executeTakeFirstOrThrow();
  await recordAudit(db, { organizationId: renamed.id, actor: input.actor, action: 'organization.renamed', target: renamed.id, data: { from: before.name, to: name } });
  return renamed;
}
