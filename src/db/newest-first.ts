// Lists newest first, paged by the id of the last object seen (`starting_after`), stable while
// objects are added. The cursor's position is read in SQL from the cursor row itself: a JS Date
// keeps milliseconds where Postgres keeps microseconds, so a timestamp sent back from JS would
// skip the rows created within the cursor's millisecond.
import { sql, type RawBuilder } from 'kysely';

type Paged = { table: 'api_keys'; id: 'id' } | { table: 'oauth_clients'; id: 'client_id' } | { table: 'audit_events'; id: 'id' };

/**
 * Rows older than the cursor in (created_at, id) order. A cursor that is not one of the
 * organization's rows matches nothing, so another organization's id reveals nothing of it.
 */
export function olderThan(paged: Paged, organizationId: string, cursor: string): RawBuilder<boolean> {
  const id = sql.ref(paged.id);
  const cursorId = sql.ref(`c.${paged.id}`);
  return sql<boolean>`(created_at, ${id}) < (select c.created_at, ${cursorId} from ${sql.table(paged.table)} c where ${cursorId} = ${cursor} and c.organization_id = ${organizationId})`;
}
