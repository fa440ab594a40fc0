// An organization's admins rename it (POST /v1/organization, organizations:write); the plan is the
// operator's to change (`keyward org set-plan`), never the organization's own.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { recordAudit } from '../audit/record.js';
import { organizationName, organizationRequired, type Organization } from './repository.js';

export async function renameOrganization(db: Kysely<Database>, input: { organizationId: string; actor: string; name: string }): Promise<Organization> {
  const name = organizationName(input.name);
  const before = await organizationRequired(db, input.organizationId);
  const renamed = await db.updateTable('organizations').set({ name }).where('id', '=', input.organizationId).returningAll().executeTakeFirstOrThrow();
  await recordAudit(db, { organizationId: renamed.id, actor: input.actor, action: 'organization.renamed', target: renamed.id, data: { from: before.name, to: name } });
  return renamed;
}
