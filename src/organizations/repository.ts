import type { Kysely, Selectable } from 'kysely';
import type { Database, OrganizationsTable } from '../db/schema.js';
import { randomId } from '../crypto/random.js';
import { storable } from '../db/nul-characters.js';
import { KeywardError } from '../lib/errors.js';
import type { Plans } from '../scopes/plans.js';

export type Organization = Selectable<OrganizationsTable>;

export async function createOrganization(
  db: Kysely<Database>,
  input: { name: string; plan: string },
): Promise<Organization> {
  return db
    .insertInto('organizations')
    .values({ id: randomId('org'), name: input.name, plan: input.plan })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findOrganization(db: Kysely<Database>, id: string): Promise<Organization | undefined> {
  if (!storable(id)) return undefined;
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function setOrganizationPlan(db: Kysely<Database>, id: string, plan: string): Promise<Organization> {
  return db.updateTable('organizations').set({ plan }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** The product scopes of the organization's plan, read now (creation paths); 404 when it does not exist. */
export async function planOfOrganization(db: Kysely<Database>, plans: Plans, organizationId: string): Promise<readonly string[]> {
  const organization = await findOrganization(db, organizationId);
  if (!organization) throw new KeywardError('not_found', `no organization ${organizationId}`, 'organization_id');
  return plans[organization.plan] ?? [];
}
