// Turning the dashboard's HTML forms into the management API's request bodies: one checkbox
// per scope (`scope:invoices:read`), one line per redirect URI or address, expiry and grace
// periods from fixed choices.
export const EXPIRY_CHOICES: Record<string, number | null> = { never: null, '30d': 30, '90d': 90, '365d': 365 };
export const GRACE_CHOICES: Record<string, number> = { none: 0, '1h': 3600, '24h': 86_400, '7d': 604_800 };

export function checkedScopes(form: Map<string, string>): string[] {
  return [...form.keys()].filter((name) => name.startsWith('scope:')).map((name) => name.slice('scope:'.length));
}

export function lines(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\r\n]+/)
    .map((line) => line.trim())
    .filter(Boolean);
}

export function expiresAt(choice: string | undefined): string | null {
  const days = choice !== undefined && Object.hasOwn(EXPIRY_CHOICES, choice) ? EXPIRY_CHOICES[choice]! : null;
  return days === null ? null : new Date(Date.now() + days * 86_400_000).toISOString();
}

export function graceSeconds(choice: string | undefined): number {
  return choice !== undefined && Object.hasOwn(GRACE_CHOICES, choice) ? GRACE_CHOICES[choice]! : 0;
}

/** Scopes grouped by resource for the checkboxes: invoices → [read, write]. */
export function scopeGroups(scopes: readonly string[]): Array<{ resource: string; scopes: string[] }> {
  const groups = new Map<string, string[]>();
  for (const scope of scopes) {
    const resource = scope.split(':')[0]!;
    groups.set(resource, [...(groups.get(resource) ?? []), scope]);
  }
  return [...groups].map(([resource, list]) => ({ resource, scopes: list }));
}
