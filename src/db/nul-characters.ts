// Postgres text cannot hold NUL: a lookup by a value containing one would fail as a query
// error (and read as an outage). Such a value names nothing that exists, so lookups answer
// "not found" without asking the database.
export function storable(value: string): boolean {
  return !value.includes('\u0000');
}

/** The path of the first string (or key) in a parsed value that Postgres cannot store, if any. */
export function unstorablePath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return storable(value) ? undefined : path || '(value)';
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (!storable(key)) return here;
    const found = unstorablePath(item, here);
    if (found) return found;
  }
  return undefined;
}
