// Postgres text cannot hold NUL: a lookup by a value containing one would fail as a query
// error (and read as an outage). Such a value names nothing that exists, so lookups answer
// "not found" without asking the database.
export function storable(value: string): boolean {
  return !value.includes('\u0000');
}
