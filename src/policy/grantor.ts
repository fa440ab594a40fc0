// The one answer to "may this principal hold or hand out these scopes?". Every path that creates
// or widens a credential asks it: API-key create and rotate, OAuth-app registration, consent,
// token issuance, member invitations and role changes (docs/security.md, "Who may grant what").
// Pure functions: the plan and the role are looked up by the caller (policy/lookups.ts).
import type { Role } from '../db/schema.js';
import { MANAGEMENT_RESOURCES, MANAGEMENT_SCOPES } from '../scopes/catalog.js';
import { expandScopes, scopeGrants, type ScopeVocabulary } from '../scopes/scope.js';

/** Who hands scopes out. */
export type Grantor =
  /** The operator's CLI: bounded by the plan alone. */
  | { kind: 'operator' }
  /** An API key or an OAuth client (or its token): only what it holds itself. */
  | { kind: 'credential'; holds: readonly string[] }
  /**
   * A person, at consent or through their access token: the plan's product scopes; management
   * scopes only as an admin, and through a token only those the token holds.
   */
  | { kind: 'user'; role: Role; holds?: readonly string[] };

const MANAGEMENT = new Set<string>(MANAGEMENT_RESOURCES);

/** Keyward's own scopes (`api-keys:write`, `members:*`...), as opposed to the product's. */
export function isManagementScope(scope: string): boolean {
  return MANAGEMENT.has(scope.split(':')[0]!);
}

/** Why `grantor` may not hand out the concrete scope `scope`, or undefined when it may. */
export function refusal(plan: readonly string[], grantor: Grantor, scope: string): string | undefined {
  if (!isManagementScope(scope)) {
    if (!plan.includes(scope)) return "is not in the organization's plan";
    if (grantor.kind === 'credential' && !scopeGrants(grantor.holds, scope)) return 'is not held by the credential granting it';
    return undefined;
  }
  switch (grantor.kind) {
    case 'operator':
      return undefined;
    case 'credential':
      return scopeGrants(grantor.holds, scope) ? undefined : 'is not held by the credential granting it';
    case 'user':
      if (grantor.role !== 'admin') return "is a management scope: only the organization's admins grant it";
      return !grantor.holds || scopeGrants(grantor.holds, scope) ? undefined : 'is not held by the access token granting it';
  }
}

/** Every concrete scope `grantor` may hand out in an organization on `plan`. */
export function grantableScopes(plan: readonly string[], grantor: Grantor): string[] {
  return [...plan, ...MANAGEMENT_SCOPES].filter((scope) => refusal(plan, grantor, scope) === undefined);
}

/** The first scope of `scopes` (wildcards expanded) that `grantor` may not hand out, and why. */
export function firstRefused(
  scopes: readonly string[],
  plan: readonly string[],
  grantor: Grantor,
  vocabulary: ScopeVocabulary,
): { scope: string; why: string } | undefined {
  for (const scope of expandScopes(scopes, vocabulary)) {
    const why = refusal(plan, grantor, scope);
    if (why) return { scope, why };
  }
  return undefined;
}

/** Whether the grantor itself holds `required` (the management API's per-route check). */
export function grantorHolds(grantor: Grantor, required: string): boolean {
  switch (grantor.kind) {
    case 'operator':
      return true;
    case 'credential':
      return scopeGrants(grantor.holds, required);
    case 'user':
      if (!grantor.holds || !scopeGrants(grantor.holds, required)) return false;
      return grantor.role === 'admin' || !isManagementScope(required);
  }
}

/**
 * Making an admin hands over every management scope, so only a grantor that could hand out
 * all of them does it: the operator, a credential holding every one, or an admin.
 */
export function mayMakeAdmins(grantor: Grantor): boolean {
  switch (grantor.kind) {
    case 'operator':
      return true;
    case 'credential':
      return MANAGEMENT_SCOPES.every((scope) => scopeGrants(grantor.holds, scope));
    case 'user':
      return grantor.role === 'admin';
  }
}

/** The management scopes a grantor lacks to make admins (for the insufficient_scope answer). */
export function missingForAdmins(grantor: Grantor): string[] {
  if (grantor.kind !== 'credential') return [...MANAGEMENT_SCOPES];
  return MANAGEMENT_SCOPES.filter((scope) => !scopeGrants(grantor.holds, scope));
}
