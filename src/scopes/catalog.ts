// The scope vocabulary: `<resource>:<action>`, actions read and write (README, "API keys").
import type { ScopeVocabulary } from './scope.js';

export const DEFAULT_RESOURCES = [
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
] as const;

export const ACTIONS = ['read', 'write'] as const;

/** Keyward's own scopes; never granted to third-party apps by default. */
export const MANAGEMENT_RESOURCES = ['api-keys', 'oauth-clients', 'members', 'organizations'] as const;

export function scopesOf(resources: readonly string[]): string[] {
  return resources.flatMap((resource) => ACTIONS.map((action) => `${resource}:${action}`));
}

export const PRODUCT_SCOPES: readonly string[] = scopesOf(DEFAULT_RESOURCES);
export const MANAGEMENT_SCOPES: readonly string[] = scopesOf(MANAGEMENT_RESOURCES);

/** Every scope a token, key or client may name. */
export const KNOWN_SCOPES: readonly string[] = [...PRODUCT_SCOPES, ...MANAGEMENT_SCOPES];

/** The product resources a scope may name: `<resource>:<action>`, `<resource>:*`, `*`. */
export const SCOPE_VOCABULARY: ScopeVocabulary = { resources: DEFAULT_RESOURCES };
