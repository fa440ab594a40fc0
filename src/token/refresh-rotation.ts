// refresh_token on the fast path (token/fast-path.ts): a confidential app rotating a refresh
// token, the grant third-party apps call most. oidc-provider's refresh grant reads the token,
// the grant, the session's index and the session, then consumes the token and writes its
// successor, one store round trip after another (seven on Redis). Here the same checks take
// three: (1) the token; (2) at once, its grant and its session; (3) at once, its consumption,
// its successor and the access token's record. The account, the organization and the plan come
// from the caches oidc-provider's hooks read too (grants/accounts.ts, policy/lookups.ts).
//
// Every refusal is known before the token is consumed (unknown, spent, expired or another
// client's token, a scope or resource the token does not cover, a user no longer in the
// organization, the grant or the session gone, a sender-constrained or OpenID token) and hands
// the request to oidc-provider, which words it and, for a spent token, revokes the grant (reuse
// detection, RFC 9700 §4.14). A store that fails before the consumption leaves the token as it
// was, so the client's retry rotates it. The successor is written beside the consumption, not
// after it, and is revealed only if this request consumed the token: one that lost the race to
// a concurrent rotation gets the invalid_grant oidc-provider gives, and its unrevealed successor
// is removed. The successor is the record oidc-provider writes, field for field
// (test/token/refresh-differential.test.ts).
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { ClientRegistry } from '../clients/registry.js';
import type { ProtocolStore } from '../adapters/protocol-store.js';
import type { GrantOrganization, ProtocolRecords } from '../grants/records.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import type { Role } from '../db/schema.js';
import type { KeySet } from '../signing-keys/key-set.js';
import { audienceKind, type Audiences } from '../policy/audiences.js';
import { userTokenScopes } from '../policy/token-scopes.js';
import { basicClient } from './basic-client.js';
import { signAccessToken, tokenId } from './access-token.js';
import { signerCache } from './signer.js';
import { sessionBinding } from './session-binding.js';
import { onlyParameters, requestedScopes, type FastAnswer, type FastGrant } from './fast-path.js';

const PARAMETERS = new Set(['grant_type', 'refresh_token', 'scope', 'resource']);
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,256}$/;
// Bindings only oidc-provider checks: mTLS, DPoP, client attestation, rich authorization requests.
const PROVIDER_ONLY_FIELDS = ['x5t#S256', 'jkt', 'attestationJkt', 'rar'];
// What the successor inherits, as oidc-provider's refresh grant copies it.
const INHERITED = ['accountId', 'acr', 'amr', 'authTime', 'claims', 'expiresWithSession', 'iiat', 'grantId', 'nonce', 'resource', 'scope', 'sessionUid', 'sid'];
const GTY = 'refresh_token';
// oidc-provider's answer to a token another rotation consumed first (the detail stays in its logs).
const SPENT: FastAnswer = { status: 400, body: { error: 'invalid_grant', error_description: 'grant request is invalid' } };

/** The provider's configured findAccount, asked as oidc-provider asks it for a refresh token. */
export type AccountCheck = (request: object, accountId: string, token: AdapterPayload) => MaybePromise<unknown>;

export interface RefreshRotationDeps {
  issuer: string;
  audiences: Audiences;
  /** Every scope a token may carry. */
  scopes: readonly string[];
  accessTokenTtl: number;
  accessTokenAlg: string;
  refreshTokenTtl: number;
  registry: ClientRegistry;
  keySet: () => KeySet;
  store: ProtocolStore;
  records: ProtocolRecords;
  grantOrganization: GrantOrganization;
  findAccount: AccountCheck;
  planOf: (organizationId: string) => MaybePromise<readonly string[] | undefined>;
  roleOf: (userId: string, organizationId: string) => MaybePromise<Role | undefined>;
  onIssued: () => void;
}

const epochTime = () => Math.floor(Date.now() / 1000);

/** A token this path may rotate for `clientId`: anything else is oidc-provider's to answer. */
function rotatable(token: AdapterPayload | undefined, value: string, clientId: string, now: number): token is AdapterPayload & { accountId: string; grantId: string; scope: string; resource: string } {
  return (
    token !== undefined &&
    token.kind === 'RefreshToken' &&
    token.jti === value &&
    token.clientId === clientId &&
    token.consumed === undefined &&
    typeof token.exp === 'number' &&
    token.exp > now &&
    typeof token.accountId === 'string' &&
    typeof token.grantId === 'string' &&
    typeof token.scope === 'string' &&
    typeof token.resource === 'string' &&
    (!token.expiresWithSession || typeof token.sessionUid === 'string') &&
    !PROVIDER_ONLY_FIELDS.some((field) => token[field] !== undefined) &&
    !token.scope.split(' ').includes('openid')
  );
}

/** The scopes the grant holds for the resource (oidc-provider's Grant#getResourceScope). */
function grantedScopes(grant: AdapterPayload, resource: string): string[] {
  const granted = (grant.resources as Record<string, unknown> | undefined)?.[resource];
  if (typeof granted !== 'string' || granted === '') return [];
  if (!grant.rejected) return granted.split(' ');
  const rejected = (grant.rejected as { resources?: Record<string, unknown> }).resources?.[resource];
  const kept = new Set(granted.split(' '));
  if (typeof rejected === 'string') for (const scope of rejected.split(' ')) kept.delete(scope);
  return [...kept];
}

function grantHolds(grant: AdapterPayload | undefined, token: AdapterPayload, clientId: string, now: number): grant is AdapterPayload {
  return grant !== undefined && !(typeof grant.exp === 'number' && grant.exp <= now) && grant.clientId === clientId && grant.accountId === token.accountId;
}

/** The successor oidc-provider's refresh grant writes for `token`. */
function successorOf(token: AdapterPayload, jti: string, clientId: string, now: number, ttl: number): AdapterPayload {
  const successor: AdapterPayload = { iat: now, exp: now + ttl };
  for (const field of INHERITED) if (token[field] !== undefined) successor[field] = token[field];
  // oidc-provider gives a token stored without iiat its own iat as iiat when it loads it.
  successor.iiat ??= token.iat ?? now;
  successor.rotations = typeof token.rotations === 'number' ? token.rotations + 1 : 1;
  const gty = typeof token.gty === 'string' ? token.gty : undefined;
  if (gty !== undefined) successor.gty = gty.endsWith(GTY) ? gty : `${gty} ${GTY}`;
  return { ...successor, kind: 'RefreshToken', jti, clientId };
}

export function refreshRotation(deps: RefreshRotationDeps): FastGrant {
  const known = new Set(deps.scopes);
  const signerFor = signerCache(deps.accessTokenAlg);
  const refreshTokens: Adapter = deps.store.forModel('RefreshToken');
  const grants: Adapter = deps.store.forModel('Grant');
  const sessionHolds = sessionBinding(deps.store.forModel('Session'));

  /** Consumes the token; false when another rotation consumed it first (outside any grace window). */
  const consume = (value: string) =>
    refreshTokens.consume(value).then(
      () => true,
      (err: unknown) => {
        if (err instanceof errors.InvalidGrant) return false;
        throw err;
      },
    );

  return async (req, params) => {
    if (!onlyParameters(params, PARAMETERS)) return undefined;
    const value = params.refresh_token as string | undefined;
    if (value === undefined || !TOKEN_SHAPE.test(value)) return undefined;
    const requested = requestedScopes(params, known);
    if (!requested) return undefined;
    const client = await basicClient(deps.registry, req, 'refresh_token');
    if (!client) return undefined;
    deps.store.assertAvailable();

    const token = (await refreshTokens.find(value)) ?? undefined;
    const now = epochTime();
    if (!rotatable(token, value, client.client_id, now)) return undefined;
    const tokenScopes = token.scope.split(' ');
    if (requested.some((scope) => !tokenScopes.includes(scope))) return undefined;
    const resource = (params.resource as string | undefined) ?? token.resource;
    if (resource !== token.resource || !audienceKind(deps.audiences, resource)) return undefined;
    if (!(await deps.findAccount(req, token.accountId, token))) return undefined;
    const organizationId = await deps.grantOrganization(req, token.grantId);
    if (!organizationId) return undefined;
    const [role, plan] = await Promise.all([deps.roleOf(token.accountId, organizationId), deps.planOf(organizationId)]);
    if (!role || !plan) return undefined;
    const ceiling = new Set(userTokenScopes({ audiences: deps.audiences, resource, role, clientScopes: client.scope.split(' ').filter(Boolean), plan }));
    const asked = new Set((requested.length > 0 ? requested : tokenScopes).filter((scope) => ceiling.has(scope)));
    const signer = signerFor(deps.keySet());
    if (!signer) return undefined;

    const [grant, sessionHeld] = await Promise.all([
      grants.find(token.grantId).then((found) => found ?? undefined),
      token.expiresWithSession ? sessionHolds(token as typeof token & { sessionUid: string }, client.client_id, now) : true,
    ]);
    if (!sessionHeld || !grantHolds(grant, token, client.client_id, now)) return undefined;

    const scope = grantedScopes(grant, resource).filter((s) => asked.has(s)).join(' ');
    const successor = successorOf(token, tokenId(), client.client_id, now, deps.refreshTokenTtl);
    const accessTokenId = tokenId();
    const [consumed, accessToken] = await Promise.all([
      consume(value),
      signAccessToken(signer, { jti: accessTokenId, organizationId, sub: token.accountId, clientId: client.client_id, scope, audience: resource, issuer: deps.issuer, ttl: deps.accessTokenTtl }),
      refreshTokens.upsert(String(successor.jti), successor, deps.refreshTokenTtl),
      deps.records.recordIssuedAccessToken(accessTokenId, { clientId: client.client_id, organizationId, grantId: token.grantId }, deps.accessTokenTtl),
      // "Last used" on the dashboard's connected apps.
      deps.records.recordGrantUse(token.grantId, deps.refreshTokenTtl),
    ]);
    if (!consumed) {
      // Never revealed, so harmless if this fails; removed so that nothing unused lingers.
      await Promise.all([refreshTokens.destroy(String(successor.jti)), deps.records.forgetIssuedAccessToken(accessTokenId)]).catch(() => undefined);
      return SPENT;
    }
    deps.onIssued();
    return {
      status: 200,
      body: { access_token: accessToken, expires_in: deps.accessTokenTtl, refresh_token: successor.jti, scope: token.scope ? scope : scope || undefined, token_type: 'Bearer' },
    };
  };
}
