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
   * scopes only as an admin. Through a token, only what the token holds (its management
   * scopes, and the product scopes its app is registered with).
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
    if (grantor.kind === 'user' && grantor.holds && !scopeGrants(grantor.holds, scope)) return 'is not held by the access token granting it';
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

/** The scopes of a list that are not management scopes (empty entries dropped). */
export function withoutManagementScopes(scopes: readonly string[]): string[] {
  return scopes.filter((scope) => scope && !isManagementScope(scope));
}

/** The plan's product scopes `grantor` may hand out: what a key or an app that names none gets. */
export function grantableProductScopes(plan: readonly string[], grantor: Grantor): string[] {
  return withoutManagementScopes(plan).filter((scope) => refusal(plan, grantor, scope) === undefined);
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
 * The management scopes a grantor lacks to make admins. Making an admin hands over every
 * management scope, so only a grantor that could hand out all of them does it: the operator,
 * a credential holding every one, or an admin (through a token, one holding every one: an app
 * consented `members:write` alone must not make its vendor an admin).
 */
export function missingForAdmins(grantor: Grantor): string[] {
  return MANAGEMENT_SCOPES.filter((scope) => refusal([], grantor, scope) !== undefined);
}

export function mayMakeAdmins(grantor: Grantor): boolean {
  return missingForAdmins(grantor).length === 0;
}

/**
 * What a holder's scopes still grant under the organization's plan now: a plan downgrade
 * narrows existing keys at once. Unchanged (wildcards and all) while the plan covers them.
 */
export function withinPlan(scopes: readonly string[], plan: readonly string[], vocabulary: ScopeVocabulary): readonly string[] {
  const concrete = expandScopes(scopes, vocabulary);
  const kept = concrete.filter((scope) => isManagementScope(scope) || plan.includes(scope));
  return kept.length === concrete.length ? scopes : kept;
}
