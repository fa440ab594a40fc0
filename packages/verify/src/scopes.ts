// Route and method to scope, as the seeds' APIs do: /v1/clients/42 with POST needs
// clients:write; GET needs clients:read. Every spelling and wildcard a principal holds counts.
import { canonicalScope, DEFAULT_RESOURCES, scopeGrants } from './scope-grammar.js';
import { VerificationError } from './errors.js';
import type { Principal } from './verifier.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The scope a request needs: the first path segment after `prefix`, and read or write. */
export function scopeFromRequest(method: string, path: string, options: { prefix?: string } = {}): string {
  const prefix = options.prefix ?? '/v1';
  const rest = path.split('?')[0]!.startsWith(prefix) ? path.split('?')[0]!.slice(prefix.length) : path.split('?')[0]!;
  const resource = rest.split('/').find(Boolean) ?? '';
  return `${resource}:${READ_METHODS.has(method.toUpperCase()) ? 'read' : 'write'}`;
}

// A spelling the grammar does not know is compared as written: it can still match a held
// scope written the same way, and `invoices:delete` is still covered by invoices:write.
const canonical = (scope: string, resources: readonly string[]) => canonicalScope(scope, resources) ?? scope;

export function hasScope(principal: Principal, required: string, resources: readonly string[] = DEFAULT_RESOURCES): boolean {
  const held = principal.scopes.map((s) => canonical(s, resources));
  return scopeGrants(held, canonical(required, resources));
}

/** Throws 403 insufficient_scope naming the first scope the principal lacks. */
export function requireScopes(principal: Principal, required: readonly string[], options: { realm?: string; resources?: readonly string[] } = {}): void {
  for (const scope of required) {
    if (!hasScope(principal, scope, options.resources)) {
      throw new VerificationError('insufficient_scope', `this requires the ${scope} scope`, { scope, realm: options.realm });
    }
  }
}

export function requireScope(principal: Principal, scope: string, options: { realm?: string; resources?: readonly string[] } = {}): void {
  requireScopes(principal, [scope], options);
}
