// /v1/audit-events: the organization's audit log, newest first. Refused credentials appear here
// with their reason, which API answers never carry (checklist F47).
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../db/schema.js';
import { listAuditEvents, type AuditEventRecord } from '../audit/repository.js';
import { EXAMPLE_ORGANIZATION_ID, list, type Operation } from './operation.js';
import * as S from './schemas.js';

export function toAuditEventObject(event: AuditEventRecord): z.infer<typeof S.AuditEventObject> {
  return {
    id: event.id,
    object: 'audit_event',
    action: event.action,
    actor: event.actor,
    target: event.target,
    data: event.data,
    organization_id: event.organization_id ?? '',
    created: event.created_at.toISOString(),
  };
}

const EXAMPLE_EVENT = {
  id: 'evt_M4n5B6v7C8x9Z0a1S2d3',
  object: 'audit_event',
  action: 'api_key.created',
  actor: 'usr_Q2w3E4r5T6y7U8i9O0pA',
  target: 'key_7dJ2kq9XbVt3LmN8pR4s',
  data: { scopes: ['invoices:read'], type: 'restricted' },
  organization_id: EXAMPLE_ORGANIZATION_ID,
  created: '2026-12-01T18:00:00.000Z',
} as const;

export function auditOperations(db: Kysely<Database>): Operation[] {
  return [
    {
      method: 'get',
      path: '/v1/audit-events',
      summary: "List the organization's audit events, newest first: keys, apps and members changed, credentials refused and why.",
      scope: 'organizations:read',
      status: 200,
      paginated: true,
      filters: S.AuditFilters,
      response: S.listOf(S.AuditEventObject),
      responseExample: list([EXAMPLE_EVENT], false),
      async handle({ actor, page, filters }) {
        const { data, hasMore } = await listAuditEvents(db, actor.organizationId, { ...page, action: filters.action as string | undefined });
        return list(data.map(toAuditEventObject), hasMore);
      },
    },
  ];
}
