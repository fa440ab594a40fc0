// The scope grammar, as far as the kit needs it to compare scopes. It restates the server's
// src/scopes/scope.ts and src/scopes/catalog.ts because this package is installed on its own,
// in APIs that never install the server. test/verify/scope-grammar.test.ts runs both on
// generated scopes and fails when they disagree, so a change to one must be made to the other.

/** The product resources of Keyward's default catalog. */
export const DEFAULT_RESOURCES: readonly string[] = [
  'clients',
  'contacts',
  'projects',
  'invoices',
  'proposals',
  'contracts',
  'payments',
  'payouts',
  'time-entries',
  'milestones',
  'calendar-events',
  'inquiries',
  'transactions',
  'catalog-items',
  'webhooks',
];

/** Keyward's own resources: always known, never covered by `*`. */
const MANAGEMENT_RESOURCES: readonly string[] = ['api-keys', 'oauth-clients', 'members', 'organizations'];
const ACTIONS = new Set(['read', 'write']);
const WRITE_ACTIONS = new Set(['write', 'create', 'update', 'delete']);

/**
 * The canonical `<resource>:<action>` spelling of `read:clients`, `clients.read`, `clients:*`,
 * `*` and the like; undefined for anything the server would refuse to grant.
 */
export function canonicalScope(raw: string, resources: readonly string[]): string | undefined {
  const scope = raw.trim();
  if (scope === '*') return '*';
  const known = new Set([...resources, ...MANAGEMENT_RESOURCES]);
  const parts = scope.includes(':') ? scope.split(':') : scope.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  let [resource, action] = parts as [string, string];
  // <action>:<resource>
  if ((ACTIONS.has(resource) || resource === '*') && known.has(action)) [resource, action] = [action, resource];
  if (!known.has(resource)) return undefined;
  if (action === '*') return `${resource}:*`;
  return ACTIONS.has(action) ? `${resource}:${action}` : undefined;
}

/**
 * Does a held list (canonical spellings) grant `required` (`<resource>:<action>`, action read,
 * write, create, update or delete)? Wildcards honoured; write covers create, update and delete.
 */
export function scopeGrants(held: readonly string[], required: string): boolean {
  const [resource, action] = required.split(':') as [string, string];
  const needed = WRITE_ACTIONS.has(action) ? 'write' : action;
  const isManagement = MANAGEMENT_RESOURCES.includes(resource);
  return held.some((scope) => (scope === '*' && !isManagement) || scope === `${resource}:*` || scope === `${resource}:${needed}`);
}
