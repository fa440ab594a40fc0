// Records Keyward keeps beside oidc-provider's own models, in the same protocol store so they
// share its lifetime rules. Both are filed under their grant id, so revoking a grant (reuse
// detection, /oauth2/revoke, code replay) removes them with the grant's tokens.
//  - GrantOrganization: the organization chosen at consent, keyed by grant id. oidc-provider's
//    Grant persists only its own fields, and the grant id is stable across refreshes.
//  - IssuedAccessToken: one per JWT access token, keyed by jti. oidc-provider does not store
//    JWT access tokens at all, so this is what lets introspection say whether a JWT's grant
//    still lives and lets /oauth2/revoke revoke a single JWT.
//  - RevokedAccessToken: a client-credentials JWT revoked before its expiry (those are not
//    filed as issued), kept until the token would have expired.
//  - AppGrant: the grant a user gave an app for one organization, keyed by
//    user|client|organization, so a later authorization for the same three reuses it.
//  - AccountApps: the apps a user authorized (client, organization, grant), keyed by user, so
//    the dashboard can list them; entries whose grant is gone are skipped when read.
//  - GrantUse: when a grant last issued a token, written at most once a minute per grant.
//  - InteractionOrganization: the organization picked during one consent interaction.
import type { ProtocolStore } from '../adapters/protocol-store.js';

export interface IssuedAccessToken {
  clientId: string;
  grantId?: string;
  organizationId: string;
}

/** An app a user authorized for one organization. */
export interface AccountApp {
  clientId: string;
  organizationId: string;
  grantId: string;
  grantedAt: Date;
  lastUsedAt: Date | undefined;
}

export interface RevokedAccessTokenRecords {
  isRevoked(jti: string): Promise<boolean>;
  revoke(jti: string, ttlSeconds: number): Promise<void>;
}

export interface ProtocolRecords {
  organizationOfGrant(grantId: string): Promise<string | undefined>;
  recordGrantOrganization(grantId: string, organizationId: string, ttlSeconds: number): Promise<void>;
  issuedAccessToken(jti: string): Promise<IssuedAccessToken | undefined>;
  recordIssuedAccessToken(jti: string, token: IssuedAccessToken, ttlSeconds: number): Promise<void>;
  forgetIssuedAccessToken(jti: string): Promise<void>;
  revokedAccessTokens: RevokedAccessTokenRecords;
  appGrant(accountId: string, clientId: string, organizationId: string): Promise<string | undefined>;
  recordAppGrant(accountId: string, clientId: string, organizationId: string, grantId: string, ttlSeconds: number): Promise<void>;
  /** The apps the user authorized whose grant still lives, newest first. */
  appsOfAccount(accountId: string): Promise<AccountApp[]>;
  /** Forgets the app's grant for the organization, and revokes it with everything under it. */
  revokeAppGrant(accountId: string, clientId: string, organizationId: string): Promise<void>;
  /** Notes that the grant issued a token now (at most one write a minute per grant and process). */
  recordGrantUse(grantId: string, ttlSeconds: number): Promise<void>;
  chosenOrganization(interactionUid: string): Promise<string | undefined>;
  chooseOrganization(interactionUid: string, organizationId: string, ttlSeconds: number): Promise<void>;
  /** Everything filed under the grant, and the grant itself. */
  revokeGrant(grantId: string): Promise<void>;
  /** Whether the grant still exists (it is destroyed when revoked). */
  grantLives(grantId: string): Promise<boolean>;
}

const GRANT_USE_INTERVAL_MS = 60_000;
const KNOWN_ORGANIZATIONS_MAX = 100_000;
// A user with more authorized apps than this sees the newest; older grants still work.
const MAX_APPS_LISTED = 200;

export function protocolRecords(store: ProtocolStore): ProtocolRecords {
  const grantOrganizations = store.forModel('GrantOrganization');
  const issued = store.forModel('IssuedAccessToken');
  const revoked = store.forModel('RevokedAccessToken');
  const grants = store.forModel('Grant');
  const appGrants = store.forModel('AppGrant');
  const interactionOrganizations = store.forModel('InteractionOrganization');
  const accountApps = store.forModel('AccountApps');
  const grantUses = store.forModel('GrantUse');
  const lastUseWritten = new Map<string, number>();
  // A grant's organization is fixed when the grant is made, so each process remembers it and a
  // refresh does not read it again (a store round trip per rotation). Whether the grant still
  // lives is never answered from here: callers hold the grant or its token, read from the store.
  const knownOrganizations = new Map<string, string>();
  const remember = (grantId: string, organizationId: string) => {
    if (knownOrganizations.size >= KNOWN_ORGANIZATIONS_MAX) knownOrganizations.delete(knownOrganizations.keys().next().value!);
    knownOrganizations.set(grantId, organizationId);
  };
  const appGrantKey = (accountId: string, clientId: string, organizationId: string) => `${accountId}|${clientId}|${organizationId}`;
  const listedApps = async (accountId: string): Promise<Array<{ clientId: string; organizationId: string; grantId: string; grantedAt: string }>> => {
    const found = await accountApps.find(accountId);
    return Array.isArray(found?.apps) ? (found.apps as Array<{ clientId: string; organizationId: string; grantId: string; grantedAt: string }>) : [];
  };
  const records: ProtocolRecords = {
    async organizationOfGrant(grantId) {
      const known = knownOrganizations.get(grantId);
      if (known) return known;
      const found = await grantOrganizations.find(grantId);
      if (typeof found?.organizationId !== 'string') return undefined;
      remember(grantId, found.organizationId);
      return found.organizationId;
    },
    async recordGrantOrganization(grantId, organizationId, ttlSeconds) {
      await grantOrganizations.upsert(grantId, { grantId, organizationId }, ttlSeconds);
      remember(grantId, organizationId);
    },
    async issuedAccessToken(jti) {
      const found = await issued.find(jti);
      if (!found || typeof found.clientId !== 'string' || typeof found.organizationId !== 'string') return undefined;
      return {
        clientId: found.clientId,
        organizationId: found.organizationId,
        ...(typeof found.grantId === 'string' ? { grantId: found.grantId } : {}),
      };
    },
    async recordIssuedAccessToken(jti, token, ttlSeconds) {
      await issued.upsert(jti, { ...token }, ttlSeconds);
    },
    async forgetIssuedAccessToken(jti) {
      await issued.destroy(jti);
    },
    revokedAccessTokens: {
      async isRevoked(jti) {
        return (await revoked.find(jti)) !== undefined;
      },
      async revoke(jti, ttlSeconds) {
        await revoked.upsert(jti, { jti }, Math.max(1, ttlSeconds));
      },
    },
    async appGrant(accountId, clientId, organizationId) {
      const found = await appGrants.find(appGrantKey(accountId, clientId, organizationId));
      return typeof found?.grantId === 'string' ? found.grantId : undefined;
    },
    async recordAppGrant(accountId, clientId, organizationId, grantId, ttlSeconds) {
      await appGrants.upsert(appGrantKey(accountId, clientId, organizationId), { grantId }, ttlSeconds);
      // Read, then written whole: two consents by one user at the same instant could drop one
      // entry from the list (its grant still works; it is listed again at its next consent).
      const listed = await listedApps(accountId);
      const others = listed.filter((app) => !(app.clientId === clientId && app.organizationId === organizationId));
      const entry = { clientId, organizationId, grantId, grantedAt: new Date().toISOString() };
      await accountApps.upsert(accountId, { apps: [entry, ...others].slice(0, MAX_APPS_LISTED) }, ttlSeconds);
    },
    async appsOfAccount(accountId) {
      const listed = await listedApps(accountId);
      const apps = await Promise.all(
        listed.map(async (app) => {
          if (!(await grants.find(app.grantId))) return undefined;
          const use = await grantUses.find(app.grantId);
          return {
            clientId: app.clientId,
            organizationId: app.organizationId,
            grantId: app.grantId,
            grantedAt: new Date(app.grantedAt),
            lastUsedAt: typeof use?.at === 'string' ? new Date(use.at) : undefined,
          };
        }),
      );
      return apps.filter((app) => app !== undefined);
    },
    async revokeAppGrant(accountId, clientId, organizationId) {
      const grantId = await records.appGrant(accountId, clientId, organizationId);
      await appGrants.destroy(appGrantKey(accountId, clientId, organizationId));
      if (grantId) await records.revokeGrant(grantId);
    },
    async recordGrantUse(grantId, ttlSeconds) {
      const now = Date.now();
      if ((lastUseWritten.get(grantId) ?? 0) > now - GRANT_USE_INTERVAL_MS) return;
      lastUseWritten.set(grantId, now);
      if (lastUseWritten.size > 10_000) lastUseWritten.clear();
      await grantUses.upsert(grantId, { grantId, at: new Date(now).toISOString() }, ttlSeconds);
    },
    async chosenOrganization(interactionUid) {
      const found = await interactionOrganizations.find(interactionUid);
      return typeof found?.organizationId === 'string' ? found.organizationId : undefined;
    },
    async chooseOrganization(interactionUid, organizationId, ttlSeconds) {
      await interactionOrganizations.upsert(interactionUid, { organizationId }, ttlSeconds);
    },
    async grantLives(grantId) {
      return (await grants.find(grantId)) !== undefined;
    },
    async revokeGrant(grantId) {
      // Any model's revokeByGrantId removes every record filed under the grant.
      await Promise.all([issued.revokeByGrantId(grantId), grants.destroy(grantId)]);
    },
  };
  return records;
}

/** The organization a grant is bound to, read at most once per request (`request`: its context). */
export type GrantOrganization = (request: object, grantId: string) => Promise<string | undefined>;

/**
 * A code exchange or a refresh asks for its grant's organization three times (findAccount, the
 * token's scopes, its claims): one store read serves them all.
 */
export function grantOrganizationPerRequest(records: ProtocolRecords): GrantOrganization {
  const read = new WeakMap<object, Map<string, Promise<string | undefined>>>();
  return (request, grantId) => {
    let byGrant = read.get(request);
    if (!byGrant) read.set(request, (byGrant = new Map()));
    let organization = byGrant.get(grantId);
    if (!organization) byGrant.set(grantId, (organization = records.organizationOfGrant(grantId)));
    return organization;
  };
}
