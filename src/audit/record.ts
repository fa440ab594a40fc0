// Audit events: who did what to which credential. Reasons for refused credentials go here,
// to the owner's log, and never into an API answer (checklist F47).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { randomId } from '../crypto/random.js';

export interface AuditEvent {
  organizationId: string | null;
  actor: string;
  action: string;
  target?: string;
  data?: Record<string, unknown>;
}

export async function recordAudit(db: Kysely<Database>, event: AuditEvent): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      id: randomId('evt'),
      organization_id: event.organizationId,
      actor: event.actor,
      action: event.action,
      target: event.target ?? null,
      data: JSON.stringify(event.data ?? {}),
    })
    .execute();
}
