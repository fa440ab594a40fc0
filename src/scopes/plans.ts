// Plans bound the scopes an organization's keys and apps may hold (README, PLANS).
// Configured with PLANS as JSON, e.g. {"starter": ["clients:read"], "pro": ["clients:*"],
// "council": ["*"]}; `*` and `<resource>:*` expand against the product scopes.
import { PRODUCT_SCOPES, scopesOf } from './catalog.js';

export type Plans = Readonly<Record<string, readonly string[]>>;

export const DEFAULT_PLANS: Plans = {
  pro: scopesOf(['clients', 'contacts', 'projects', 'invoices', 'proposals', 'time-entries', 'milestones', 'calendar-events']),
  council: PRODUCT_SCOPES,
};

function expand(pattern: string): string[] {
  if (pattern === '*') return [...PRODUCT_SCOPES];
  if (pattern.endsWith(':*')) {
    const resource = pattern.slice(0, -1);
    return PRODUCT_SCOPES.filter((s) => s.startsWith(resource));
  }
  return PRODUCT_SCOPES.includes(pattern) ? [pattern] : [];
}

/** Parses PLANS; throws an Error with a one-line reason. */
export function parsePlans(json: string): Plans {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('must be a JSON object of plan name to scope list');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length === 0) {
    throw new Error('must be a non-empty JSON object of plan name to scope list');
  }
  const plans: Record<string, string[]> = {};
  for (const [name, scopes] of Object.entries(raw)) {
    if (!/^[a-z0-9_-]{1,32}$/.test(name)) throw new Error(`plan name ${JSON.stringify(name)} must be 1-32 of a-z 0-9 _ -`);
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) throw new Error(`plan ${name} must list scopes as strings`);
    const expanded = new Set<string>();
    for (const pattern of scopes as string[]) {
      const matched = expand(pattern);
      if (matched.length === 0) throw new Error(`plan ${name} names unknown scope ${JSON.stringify(pattern)}`);
      for (const scope of matched) expanded.add(scope);
    }
    plans[name] = [...expanded];
  }
  return plans;
}
