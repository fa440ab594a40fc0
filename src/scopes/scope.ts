// Scope strings: `<resource>:<action>` is canonical; `<action>:<resource>` and
// `<resource>.<action>` are accepted everywhere and normalised. Actions are read and write
// (write covers create, update and delete); `*` is every product scope and `<resource>:*`
// every action on one resource. Pure functions, used by keys, apps, consent and the kit.
import { ACTIONS, MANAGEMENT_RESOURCES, PRODUCT_SCOPES } from './catalog.js';

export type Action = (typeof ACTIONS)[number];
const ACTION_SET = new Set<string>(ACTIONS);
const WRITE_ACTIONS = new Set(['write', 'create', 'update', 'delete']);

export class ScopeSyntaxError extends Error {
  override name = 'ScopeSyntaxError';
  constructor(readonly scope: string, reason: string) {
    super(`scope ${JSON.stringify(scope)} ${reason}`);
  }
}

export interface ScopeVocabulary {
  /** Product resources (configuration); management resources are always known. */
  resources: readonly string[];
}

/** The canonical spelling of one scope, or a ScopeSyntaxError saying what is wrong. */
export function normaliseScope(raw: string, vocabulary: ScopeVocabulary): string {
  const scope = raw.trim();
  if (scope === '*') return '*';
  const known = new Set([...vocabulary.resources, ...MANAGEMENT_RESOURCES]);
  const parts = scope.includes(':') ? scope.split(':') : scope.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new ScopeSyntaxError(raw, 'is not <resource>:<action>');
  let [resource, action] = parts as [string, string];
  // <action>:<resource>
  if ((ACTION_SET.has(resource) || resource === '*') && known.has(action)) [resource, action] = [action, resource];
  if (!known.has(resource)) throw new ScopeSyntaxError(raw, `names an unknown resource "${resource}"`);
  if (action === '*') return `${resource}:*`;
  if (['create', 'update', 'delete'].includes(action)) {
    throw new ScopeSyntaxError(raw, `uses "${action}": grant "${resource}:write", which covers create, update and delete`);
  }
  if (!ACTION_SET.has(action)) throw new ScopeSyntaxError(raw, `names an unknown action "${action}" (read or write)`);
  return `${resource}:${action}`;
}

/** Normalises a list (array or space-separated string), dropping duplicates, keeping order. */
export function normaliseScopes(raw: readonly string[] | string, vocabulary: ScopeVocabulary): string[] {
  const list = typeof raw === 'string' ? raw.split(/\s+/).filter(Boolean) : raw;
  return [...new Set(list.map((s) => normaliseScope(s, vocabulary)))];
}

/** Concrete `<resource>:<action>` scopes a (normalised) list stands for. */
export function expandScopes(scopes: readonly string[], vocabulary: ScopeVocabulary): string[] {
  const out = new Set<string>();
  for (const scope of scopes) {
    if (scope === '*') PRODUCT_SCOPES.filter((s) => vocabulary.resources.includes(s.split(':')[0]!)).forEach((s) => out.add(s));
    else if (scope.endsWith(':*')) ACTIONS.forEach((a) => out.add(`${scope.slice(0, -2)}:${a}`));
    else out.add(scope);
  }
  return [...out];
}

/**
 * Does a held list grant `required` (`<resource>:<action>`, action read, write, create, update
 * or delete)? Wildcards honoured; write covers create, update and delete; read is not implied.
 */
export function scopeGrants(held: readonly string[], required: string): boolean {
  const [resource, action] = required.split(':') as [string, string];
  const needed = WRITE_ACTIONS.has(action) ? 'write' : action;
  const isManagement = (MANAGEMENT_RESOURCES as readonly string[]).includes(resource);
  return held.some(
    (scope) =>
      (scope === '*' && !isManagement) || scope === `${resource}:*` || scope === `${resource}:${needed}`,
  );
}
