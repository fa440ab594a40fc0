// Plans bound the scopes an organization's keys and apps may hold (design.md §3 Scopes).
import { PRODUCT_SCOPES, scopesOf } from './catalog.js';

export const DEFAULT_PLANS: Readonly<Record<string, readonly string[]>> = {
  pro: scopesOf(['clients', 'contacts', 'projects', 'invoices', 'proposals', 'time-entries', 'milestones', 'calendar-events']),
  council: PRODUCT_SCOPES,
};

export const PLAN_NAMES = Object.keys(DEFAULT_PLANS);
