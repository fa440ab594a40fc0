// Reading an organization's audit log: newest first, a page at a time, optionally one action
// or one family of actions (`api_key.` gives every API-key event).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { storable } from '../db/nul-characters.js';
import { olderThan } from '../db/newest-first.js';

export interface AuditEventRecord {
  id: string;
  organization_id: string | null;
  actor: string;
  action: string;
  target: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

export interface AuditQuery {
  limit: number;
  /** The id of the last event of the previous page. */
  startingAfter?: string | undefined;
  /** An action (`api_key.created`) or, ending in a dot, a family of them (`api_key.`). */
  action?: string | undefined;
}

export async function listAuditEvents(db: Kysely<Database>, organizationId: string, query: AuditQuery): Promise<{ data: AuditEventRecord[]; hasMore: boolean }> {
  let select = db.selectFrom('audit_events').selectAll().where('organization_id', '=', organizationId);
  if (query.action) {
    select = query.action.endsWith('.')
      ? select.where('action', 'like', `${query.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
      : select.where('action', '=', query.action);
  }
  if (query.startingAfter !== undefined) {
    if (!storable(query.startingAfter)) return { data: [], hasMore: false };
    select = select.where(olderThan({ table: 'audit_events', id: 'id' }, organizationId, query.startingAfter));
  }
  const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
  return { data: rows.slice(0, query.limit) as AuditEventRecord[], hasMore: rows.length > query.limit };
}
