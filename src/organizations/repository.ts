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

const ORGANIZATION_NAME_MAX = 200;

/** An organization's name as stored: trimmed, 1 to 200 characters (400 naming the field otherwise). */
export function organizationName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > ORGANIZATION_NAME_MAX) throw new KeywardError('invalid_request', `name must be 1 to ${ORGANIZATION_NAME_MAX} characters`, 'name');
  return name;
}

/** Every organization, newest first (the operator's view; there is no paging at this scale). */
export async function listOrganizations(db: Kysely<Database>): Promise<Organization[]> {
  return db.selectFrom('organizations').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

export async function findOrganization(db: Kysely<Database>, id: string): Promise<Organization | undefined> {
  if (!storable(id)) return undefined;
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The organization, or 404 naming it. */
export async function organizationRequired(db: Kysely<Database>, id: string): Promise<Organization> {
  const organization = await findOrganization(db, id);
  if (!organization) throw new KeywardError('not_found', `no organization ${id}`, 'organization_id');
  return organization;
}

export async function setOrganizationPlan(db: Kysely<Database>, id: string, plan: string): Promise<Organization> {
  return db.updateTable('organizations').set({ plan }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** The product scopes of the organization's plan, read now (creation paths); 404 when it does not exist. */
export async function planOfOrganization(db: Kysely<Database>, plans: Plans, organizationId: string): Promise<readonly string[]> {
  const organization = await organizationRequired(db, organizationId);
  return plans[organization.plan] ?? [];
}
