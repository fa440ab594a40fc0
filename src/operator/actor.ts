// The CLI acts as the operator: bounded by plans, not by a creator's scopes.
import type { Actor } from '../api-keys/service.js';

export function operator(organizationId: string): Actor {
  return { organizationId, id: 'cli', grantor: { kind: 'operator' } };
}
