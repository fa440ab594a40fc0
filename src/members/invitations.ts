// Invitations: an organization's offer of membership to an email address. Accepting one turns
// it into a membership and deletes it; an invitation never grants anything by itself.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, InvitationsTable, Role } from '../db/schema.js';
import { randomId } from '../crypto/random.js';
import { storable } from '../db/nul-characters.js';

export type Invitation = Selectable<InvitationsTable>;

const INVITATION_TTL_SECONDS = 7 * 24 * 3600;

/** Records an invitation, or renews the open one for the same address (new role, new expiry). */
export async function upsertInvitation(
  db: Kysely<Database>,
  input: { organizationId: string; email: string; role: Role; invitedBy: string },
): Promise<Invitation> {
  const expiresAt = sql<Date>`now() + make_interval(secs => ${INVITATION_TTL_SECONDS})`;
  return db
    .insertInto('invitations')
    .values({ id: randomId('inv'), organization_id: input.organizationId, email: input.email, role: input.role, invited_by: input.invitedBy, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['organization_id', 'email']).doUpdateSet({ role: input.role, invited_by: input.invitedBy, expires_at: expiresAt }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function openInvitationsOfOrganization(db: Kysely<Database>, organizationId: string): Promise<Invitation[]> {
  return db.selectFrom('invitations').selectAll().where('organization_id', '=', organizationId).where('expires_at', '>', sql<Date>`now()`).orderBy('email').execute();
}

export interface InvitationForUser {
  id: string;
  organization_id: string;
  organization_name: string;
  role: Role;
}

export async function openInvitationsForEmail(db: Kysely<Database>, email: string): Promise<InvitationForUser[]> {
  return db
    .selectFrom('invitations')
    .innerJoin('organizations', 'organizations.id', 'invitations.organization_id')
    .select(['invitations.id', 'invitations.organization_id', 'organizations.name as organization_name', 'invitations.role'])
    .where('invitations.email', '=', email)
    .where('invitations.expires_at', '>', sql<Date>`now()`)
    .orderBy('organizations.name')
    .execute();
}

/** Deletes an organization's invitation; false when there was none. */
export async function deleteInvitation(db: Kysely<Database>, organizationId: string, id: string): Promise<boolean> {
  if (!storable(id)) return false;
  const result = await db.deleteFrom('invitations').where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Takes an open invitation addressed to `email` (deleted in the same step), or undefined. */
export async function takeInvitation(db: Kysely<Database>, id: string, email: string): Promise<Invitation | undefined> {
  if (!storable(id)) return undefined;
  return db
    .deleteFrom('invitations')
    .where('id', '=', id)
    .where('email', '=', email)
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}
