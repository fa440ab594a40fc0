// What a consent can grant: requested ∩ the app's allowed scopes ∩ what the organization may
// grant (its plan's product scopes; Keyward's management scopes only for its admins).
import { MANAGEMENT_SCOPES } from '../scopes/catalog.js';
import type { Role } from '../db/schema.js';

export interface ScopeDecision {
  granted: string[];
  /** Requested and allowed for the app, but beyond the organization's plan or the user's role. */
  unavailable: string[];
}

const PROTOCOL_SCOPES = new Set(['openid', 'offline_access']);

export function decideScopes(input: {
  requested: readonly string[];
  clientAllowed: readonly string[];
  planScopes: readonly string[];
  role: Role;
}): ScopeDecision {
  const allowed = new Set(input.clientAllowed);
  const organizationMay = new Set([...input.planScopes, ...(input.role === 'admin' ? MANAGEMENT_SCOPES : [])]);
  const granted: string[] = [];
  const unavailable: string[] = [];
  for (const scope of new Set(input.requested)) {
    if (PROTOCOL_SCOPES.has(scope) || !allowed.has(scope)) continue;
    (organizationMay.has(scope) ? granted : unavailable).push(scope);
  }
  return { granted, unavailable };
}
