// /v1/members: list, invite, change a role, remove (rules in members/service.ts).
import type { z } from 'zod';
import type { Actor } from '../api-keys/service.js';
import type { MemberEntry } from '../members/service.js';
import type { MemberService } from '../members/service.js';
import type { Invitation } from '../members/invitations.js';
import { EXAMPLE_ORGANIZATION_ID, list, type Operation } from './operation.js';
import * as S from './schemas.js';

const EXAMPLE_MEMBER = {
  object: 'member',
  id: 'usr_Q2w3E4r5T6y7U8i9O0pA',
  user_id: 'usr_Q2w3E4r5T6y7U8i9O0pA',
  email: 'ada@acme.test',
  role: 'admin',
  status: 'active',
  organization_id: EXAMPLE_ORGANIZATION_ID,
} as const;

const EXAMPLE_INVITATION = {
  object: 'invitation',
  id: 'inv_Z9x8C7v6B5n4M3l2K1jH',
  email: 'grace@acme.test',
  role: 'member',
  status: 'invited',
  organization_id: EXAMPLE_ORGANIZATION_ID,
  expires_at: '2026-12-08T18:00:00.000Z',
} as const;

function toMemberObject(actor: Actor, entry: MemberEntry): z.infer<typeof S.MemberObject> {
  const common = { object: 'member' as const, email: entry.email, role: entry.role, organization_id: actor.organizationId };
  return entry.status === 'active'
    ? { ...common, id: entry.userId, user_id: entry.userId, status: 'active' }
    : { ...common, id: entry.invitationId, user_id: null, status: 'invited', expires_at: entry.expiresAt.toISOString() };
}

function toInvitationObject(invitation: Invitation): z.infer<typeof S.InvitationObject> {
  return {
    object: 'invitation',
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    status: 'invited',
    organization_id: invitation.organization_id,
    expires_at: invitation.expires_at.toISOString(),
  };
}

export function memberOperations(members: MemberService): Operation[] {
  return [
    {
      method: 'get',
      path: '/v1/members',
      summary: "List the organization's members (`status: active`) and open invitations (`status: invited`).",
      scope: 'members:read',
      status: 200,
      response: S.listOf(S.MemberObject),
      responseExample: list([EXAMPLE_MEMBER, { ...EXAMPLE_INVITATION, object: 'member', user_id: null }], false),
      async handle({ actor }) {
        return list((await members.list(actor)).map((entry) => toMemberObject(actor, entry)), false);
      },
    },
    {
      method: 'post',
      path: '/v1/members',
      summary:
        'Invite an email address. The person joins once they accept while signed in; the answer is the same whether or not the address has an account. Inviting an admin requires every management scope (or an admin).',
      scope: 'members:write',
      status: 201,
      request: S.InviteMember,
      requestExample: { email: 'grace@acme.test', role: 'member' },
      response: S.InvitationObject,
      responseExample: EXAMPLE_INVITATION,
      async handle({ actor, body }) {
        const b = body as z.infer<typeof S.InviteMember>;
        return toInvitationObject(await members.invite(actor, { email: b.email, role: b.role }));
      },
    },
    {
      method: 'post',
      path: '/v1/members/{id}',
      summary: "Change a member's role; it applies to their tokens at once. Making an admin requires every management scope (or an admin).",
      scope: 'members:write',
      status: 200,
      request: S.ChangeRole,
      requestExample: { role: 'member' },
      response: S.MemberObject,
      responseExample: { ...EXAMPLE_MEMBER, role: 'member' },
      async handle({ actor, params, body }) {
        const b = body as z.infer<typeof S.ChangeRole>;
        return toMemberObject(actor, await members.changeRole(actor, params.id!, b.role));
      },
    },
    {
      method: 'delete',
      path: '/v1/members/{id}',
      summary: 'Remove a member (their tokens for the organization stop working at once) or withdraw an invitation (`inv_...`).',
      scope: 'members:write',
      status: 200,
      response: S.Deleted,
      responseExample: { id: EXAMPLE_MEMBER.id, object: 'member', deleted: true },
      async handle({ actor, params }) {
        await members.remove(actor, params.id!);
        return { id: params.id!, object: 'member', deleted: true as const };
      },
    },
  ];
}
