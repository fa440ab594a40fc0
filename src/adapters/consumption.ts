// What "consumed" means, shared by both adapters so they cannot drift.
//
// oidc-provider checks `consumed` on a token it has just found and only then consumes it, so
// two concurrent presentations of one code or refresh token can both pass the check. The
// adapters close that race: consumption is an atomic compare-and-set, and the loser is refused
// with invalid_grant before anything is issued (checklist C26: at most one success).
//
// REFRESH_TOKEN_REUSE_INTERVAL opens a grace window for refresh tokens only: for that many
// seconds after rotation the old token reads as unconsumed and may be rotated again (two
// concurrent refreshes from one app both succeed, inside the same grant). After the window,
// or with 0, a reused refresh token reads as consumed and oidc-provider revokes its grant.
import { errors } from 'oidc-provider';

export const CONSUMABLE_MODELS: ReadonlySet<string> = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/** The detail of the invalid_grant a consume() on a record that is not there raises. */
export const GRANT_SOURCE_NOT_FOUND = 'grant source not found';

export interface ConsumptionPolicy {
  /** Seconds a rotated refresh token may still be presented; 0 = strict. */
  refreshTokenReuseInterval: number;
}

function inGraceWindow(model: string, consumedAtMs: number, policy: ConsumptionPolicy, nowMs: number): boolean {
  return model === 'RefreshToken' && nowMs - consumedAtMs < policy.refreshTokenReuseInterval * 1000;
}

/** The `consumed` value find() reports, or undefined when the token must read as fresh. */
export function reportedConsumed(
  model: string,
  consumedAtMs: number | null,
  policy: ConsumptionPolicy,
  nowMs = Date.now(),
): number | undefined {
  if (consumedAtMs === null) return undefined;
  if (inGraceWindow(model, consumedAtMs, policy, nowMs)) return undefined;
  return Math.floor(consumedAtMs / 1000);
}

/**
 * Judges the outcome of an atomic consume: `previous` is the consumed-at time found by the
 * compare-and-set (null when this call consumed it), or 'missing' when the record is gone.
 */
export function assertConsumedOnce(
  model: string,
  previous: number | null | 'missing',
  policy: ConsumptionPolicy,
  nowMs = Date.now(),
): void {
  if (previous === null) return;
  if (previous !== 'missing' && inGraceWindow(model, previous, policy, nowMs)) return;
  throw new errors.InvalidGrant(previous === 'missing' ? GRANT_SOURCE_NOT_FOUND : 'grant source already used');
}
