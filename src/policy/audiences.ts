// RFC 8707 resource indicators. Management scopes are issued only in tokens for Keyward's own
// management audience (`<ISSUER>/v1`), product scopes only in tokens for the product's resource
// servers (RESOURCE_AUDIENCE): a resource server that receives a token can never replay it to
// Keyward's management API, and the management API accepts no other audience.
import { isManagementScope } from './grantor.js';

export interface Audiences {
  /** The product's resource servers; the first is the default. */
  product: readonly [string, ...string[]];
  /** Keyward's management API. */
  management: string;
}

export type AudienceKind = 'product' | 'management';

/** The management API's audience for an issuer. */
export function managementAudience(issuer: string): string {
  return `${issuer}/v1`;
}

export function audienceKind(audiences: Audiences, resource: string): AudienceKind | undefined {
  if (resource === audiences.management) return 'management';
  return audiences.product.includes(resource) ? 'product' : undefined;
}

/** Whether a token for an audience of this kind may carry the scope. */
export function fitsAudience(scope: string, kind: AudienceKind): boolean {
  return isManagementScope(scope) === (kind === 'management');
}

/** OpenID Connect's own scopes carry no permission and go with either audience. */
export const PROTOCOL_SCOPES: ReadonlySet<string> = new Set(['openid', 'offline_access']);

function permissionScopes(scopes: readonly string[]): string[] {
  return scopes.filter((scope) => !PROTOCOL_SCOPES.has(scope));
}

/**
 * The resources a request that names none is for, decided by its scopes: the product's default,
 * the management audience, or both (an authorization may cover both; each token is for one).
 */
export function defaultResources(audiences: Audiences, scopes: readonly string[]): string[] {
  const requested = permissionScopes(scopes);
  const management = requested.some(isManagementScope);
  const product = requested.some((scope) => !isManagementScope(scope));
  if (management && product) return [audiences.product[0], audiences.management];
  return [management ? audiences.management : audiences.product[0]];
}

/** The one audience of a token whose request names none (a token is for one audience). */
export function tokenResource(audiences: Audiences, scopes: readonly string[]): string {
  return defaultResources(audiences, scopes)[0]!;
}

/**
 * One of several granted resources, for a token request that names none: the management
 * audience when the request asks for management scopes only, the product's otherwise.
 */
export function pickResource(audiences: Audiences, granted: readonly string[], scopes: readonly string[]): string | undefined {
  const requested = permissionScopes(scopes);
  const wantsManagement = requested.length > 0 && requested.every(isManagementScope);
  const kind: AudienceKind = wantsManagement ? 'management' : 'product';
  return granted.find((resource) => audienceKind(audiences, resource) === kind) ?? granted[0];
}
