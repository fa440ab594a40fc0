// The rules of membership, shared by the management API, the sign-in pages and the operator's
// CLI. An organization invites an email and the person joins by accepting while signed in, so
// no organization can put itself in a stranger's organization picker, and the answer to an
// invitation never tells whether the address has an account. Making an admin hands over every
// management scope: only a grantor that could hand out all of them may (policy/grantor.ts).
// Every change is announced on the revocation feed, so tokens act with the membership as it
// is now (policy/lookups.ts).
import type { Kysely } from 'kysely';
import type { Database, Role } from '../db/schema.js';
import { KeywardError } from '../lib/errors.js';
import { recordAudit } from '../audit/record.js';
import type { Actor } from '../api-keys/service.js';
import type { InvalidationPublisher } from '../feed/bus.js';
import { mayMakeAdmins, missingForAdmins } from '../policy/grantor.js';
import { membershipChanged } from '../policy/lookups.js';
import { addMembership, findUser, findUserByEmail, joinOrganization, listMembers, normaliseEmail, removeMembership, ROLES, setMembershipRole } from '../users/repository.js';
import { deleteInvitation, openInvitationsOfOrganization, takeInvitation, upsertInvitation, type Invitation } from './invitations.js';

export interface MemberServiceDeps {
  db: Kysely<Database>;
  feed: () => InvalidationPublisher | undefined;
}

export type MemberEntry =
  | { status: 'active'; userId: string; email: string; role: Role }
  | { status: 'invited'; invitationId: string; email: string; role: Role; expiresAt: Date };

function checkRole(role: string | undefined): Role {
  const value = role ?? 'member';
  if (!(ROLES as readonly string[]).includes(value)) throw new KeywardError('invalid_request', 'role must be admin or member', 'role');
  return value as Role;
}

export function memberService(deps: MemberServiceDeps) {
  const { db } = deps;

  function checkMayGrant(actor: Actor, role: Role): void {
    if (role === 'admin' && !mayMakeAdmins(actor.grantor)) {
      const missing = missingForAdmins(actor.grantor).join(' ');
      throw new KeywardError('insufficient_scope', 'making an admin requires every management scope, or an admin', 'role', { scope: missing });
    }
  }

  async function changed(userId: string, organizationId: string): Promise<void> {
    await deps.feed()?.publish(membershipChanged(userId, organizationId));
  }

  async function audit(actor: Actor, action: string, target: string, data: Record<string, unknown> = {}) {
    await recordAudit(db, { organizationId: actor.organizationId, actor: actor.id, action, target, data });
  }

  return {
    /** Records an invitation; the same answer whether or not the address has an account. */
    async invite(actor: Actor, input: { email: string; role?: string | undefined }): Promise<Invitation> {
      const role = checkRole(input.role);
      checkMayGrant(actor, role);
      const invitation = await upsertInvitation(db, { organizationId: actor.organizationId, email: normaliseEmail(input.email), role, invitedBy: actor.id });
      await audit(actor, 'member.invited', invitation.id, { role });
      return invitation;
    },

    /** Members first (by email), then open invitations. */
    async list(actor: Actor): Promise<MemberEntry[]> {
      const [members, invitations] = await Promise.all([listMembers(db, actor.organizationId), openInvitationsOfOrganization(db, actor.organizationId)]);
      return [
        ...members.map((m): MemberEntry => ({ status: 'active', userId: m.user_id, email: m.email, role: m.role })),
        ...invitations.map((i): MemberEntry => ({ status: 'invited', invitationId: i.id, email: i.email, role: i.role, expiresAt: i.expires_at })),
      ];
    },

    async changeRole(actor: Actor, userId: string, roleName: string): Promise<MemberEntry> {
      const role = checkRole(roleName);
      checkMayGrant(actor, role);
      const membership = await setMembershipRole(db, userId, actor.organizationId, role);
      const user = membership && (await findUser(db, userId));
      if (!user) throw new KeywardError('not_found', `no member ${userId}`, 'id');
      await changed(userId, actor.organizationId);
      await audit(actor, 'member.role_changed', userId, { role });
      return { status: 'active', userId, email: user.email, role };
    },

    /** Removes a member (their tokens for the organization stop at once) or withdraws an invitation. */
    async remove(actor: Actor, id: string): Promise<void> {
      if (id.startsWith('inv_')) {
        if (!(await deleteInvitation(db, actor.organizationId, id))) throw new KeywardError('not_found', `no invitation ${id}`, 'id');
        await audit(actor, 'member.invitation_withdrawn', id);
        return;
      }
      if (!(await removeMembership(db, id, actor.organizationId))) throw new KeywardError('not_found', `no member ${id}`, 'id');
      await changed(id, actor.organizationId);
      await audit(actor, 'member.removed', id);
    },

    /** The signed-in user accepts an invitation addressed to their email. */
    async accept(userId: string, invitationId: string): Promise<{ organizationId: string; role: Role }> {
      const user = await findUser(db, userId);
      const invitation = user && (await takeInvitation(db, invitationId, user.email));
      if (!invitation) throw new KeywardError('not_found', 'this invitation does not exist, has expired or is for another address', 'invitation_id');
      await joinOrganization(db, { userId, organizationId: invitation.organization_id, role: invitation.role });
      await changed(userId, invitation.organization_id);
      await recordAudit(db, { organizationId: invitation.organization_id, actor: userId, action: 'member.joined', target: userId, data: { role: invitation.role } });
      return { organizationId: invitation.organization_id, role: invitation.role };
    },

    /** The operator adds an existing user directly (or changes their role). */
    async add(actor: Actor, input: { email: string; role: string }) {
      const user = await findUserByEmail(db, normaliseEmail(input.email));
      if (!user) throw new KeywardError('not_found', `no user with email ${input.email}`, 'email');
      const role = checkRole(input.role);
      checkMayGrant(actor, role);
      const membership = await addMembership(db, { userId: user.id, organizationId: actor.organizationId, role });
      await changed(user.id, actor.organizationId);
      await audit(actor, 'member.added', user.id, { role });
      return membership;
    },
  };
}

export type MemberService = ReturnType<typeof memberService>;
