// What a consent can grant: requested ∩ the app's registered scopes ∩ what the user may grant
// for the organization (policy/grantor.ts: its plan's product scopes; management scopes only
// for its admins). Each granted scope goes to the audience of its kind (policy/audiences.ts).
import type { Role } from '../db/schema.js';
import { grantableScopes } from '../policy/grantor.js';
import { PROTOCOL_SCOPES } from '../policy/audiences.js';

export interface ScopeDecision {
  granted: string[];
  /** Requested and registered for the app, but beyond the organization's plan or the user's role. */
  unavailable: string[];
}

export function decideScopes(input: {
  requested: readonly string[];
  clientAllowed: readonly string[];
  planScopes: readonly string[];
  role: Role;
}): ScopeDecision {
  const allowed = new Set(input.clientAllowed);
  const userMay = new Set(grantableScopes(input.planScopes, { kind: 'user', role: input.role }));
  const granted: string[] = [];
  const unavailable: string[] = [];
  for (const scope of new Set(input.requested)) {
    if (PROTOCOL_SCOPES.has(scope) || !allowed.has(scope)) continue;
    (userMay.has(scope) ? granted : unavailable).push(scope);
  }
  return { granted, unavailable };
}
