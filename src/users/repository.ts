import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, Role, UsersTable } from '../db/schema.js';
import { KeywardError } from '../lib/errors.js';
import { randomId } from '../crypto/random.js';
import { storable } from '../db/nul-characters.js';
import { findOrganization } from '../organizations/repository.js';
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from './password.js';

export type User = Selectable<UsersTable>;
export const ROLES: readonly Role[] = ['admin', 'member'];

export interface OrganizationOfUser {
  id: string;
  name: string;
  plan: string;
  role: Role;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

const hasControlCharacter = (value: string) => [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

export function normaliseEmail(email: string): string {
  const value = email.trim().toLowerCase();
  if (value.length > 254 || !EMAIL.test(value) || hasControlCharacter(value)) throw new KeywardError('invalid_request', 'email is not a valid address', 'email');
  return value;
}

function checkRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) throw new KeywardError('invalid_request', 'role must be admin or member', 'role');
  return role as Role;
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new KeywardError('invalid_request', `password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`, 'password');
  }
}

export async function createUser(db: Kysely<Database>, input: { email: string; password: string }): Promise<User> {
  const email = normaliseEmail(input.email);
  checkPassword(input.password);
  if (await findUserByEmail(db, email)) throw new KeywardError('conflict', 'a user with this email exists', 'email');
  return db
    .insertInto('users')
    .values({ id: randomId('usr'), email, password_hash: await hashPassword(input.password) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<User | undefined> {
  if (!storable(email)) return undefined;
  return db.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
}

// Raising the login generation moves the account to fresh login-failure counters (see
// interactions/login.ts): whoever was locked out is not any more.
const nextGeneration = sql<number>`login_generation + 1`;

/** Updates the user with this email, or 404 naming it. */
async function updateUserByEmail(db: Kysely<Database>, email: string, changes: { password_hash?: string; login_generation: typeof nextGeneration }): Promise<User> {
  const user = await db.updateTable('users').set(changes).where('email', '=', normaliseEmail(email)).returningAll().executeTakeFirst();
  if (!user) throw new KeywardError('not_found', `no user with email ${email}`, 'email');
  return user;
}

/**
 * A new password, and fresh login-failure counters. Sessions already signed in stay so: they end
 * at sign-out or expiry.
 */
export async function setPassword(db: Kysely<Database>, email: string, password: string): Promise<User> {
  checkPassword(password);
  return updateUserByEmail(db, email, { password_hash: await hashPassword(password), login_generation: nextGeneration });
}

/** Starts the account's login-failure counters afresh: its owner may sign in at once. */
export async function unlockLogin(db: Kysely<Database>, email: string): Promise<User> {
  return updateUserByEmail(db, email, { login_generation: nextGeneration });
}

export async function findUser(db: Kysely<Database>, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function addMembership(
  db: Kysely<Database>,
  input: { userId: string; organizationId: string; role: string },
): Promise<{ user_id: string; organization_id: string; role: Role }> {
  const role = checkRole(input.role);
  if (!(await findOrganization(db, input.organizationId))) {
    throw new KeywardError('not_found', `no organization ${input.organizationId}`, 'organization_id');
  }
  return db
    .insertInto('memberships')
    .values({ user_id: input.userId, organization_id: input.organizationId, role })
    .onConflict((oc) => oc.columns(['user_id', 'organization_id']).doUpdateSet({ role }))
    .returning(['user_id', 'organization_id', 'role'])
    .executeTakeFirstOrThrow();
}

export async function organizationsOfUser(db: Kysely<Database>, userId: string): Promise<OrganizationOfUser[]> {
  return db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select(['organizations.id', 'organizations.name', 'organizations.plan', 'memberships.role'])
    .where('memberships.user_id', '=', userId)
    .orderBy('organizations.name')
    .orderBy('organizations.id')
    .execute();
}

export async function membershipOf(db: Kysely<Database>, userId: string, organizationId: string): Promise<{ role: Role; since: Date } | undefined> {
  const row = await db
    .selectFrom('memberships')
    .select(['role', 'created_at'])
    .where('user_id', '=', userId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return row && { role: row.role, since: row.created_at };
}

export async function removeMembership(db: Kysely<Database>, userId: string, organizationId: string): Promise<boolean> {
  if (!storable(userId)) return false;
  const result = await db
    .deleteFrom('memberships')
    .where('user_id', '=', userId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function listMembers(db: Kysely<Database>, organizationId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id as user_id', 'users.email', 'memberships.role', 'memberships.created_at'])
    .where('memberships.organization_id', '=', organizationId)
    .orderBy('users.email')
    .execute();
}

/** Sets an existing member's role; undefined when the user is not a member. */
export async function setMembershipRole(db: Kysely<Database>, userId: string, organizationId: string, role: string) {
  if (!storable(userId)) return undefined;
  return db
    .updateTable('memberships')
    .set({ role: checkRole(role) })
    .where('user_id', '=', userId)
    .where('organization_id', '=', organizationId)
    .returning(['user_id', 'organization_id', 'role'])
    .executeTakeFirst();
}

/** Joins without touching an existing membership (accepting an invitation never changes a role). */
export async function joinOrganization(db: Kysely<Database>, input: { userId: string; organizationId: string; role: Role }): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ user_id: input.userId, organization_id: input.organizationId, role: input.role })
    .onConflict((oc) => oc.columns(['user_id', 'organization_id']).doNothing())
    .execute();
}
