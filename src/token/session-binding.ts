// A refresh token issued without offline_access lives only as long as the sign-in session it
// came from (oidc-provider's expiresWithSession). Rotation asks, as oidc-provider's
// checkSessionBinding does, whether that session still exists for the token's user and still
// holds the token's grant for the client. oidc-provider finds the session by its uid, which
// costs two store reads in a row (the uid's index, then the session); each process remembers
// which session id a uid led to, so the next rotation reads the session alone, and a session
// gone or re-keyed since sends it back to the index.
import type { Adapter, AdapterPayload } from 'oidc-provider';

// oidc-provider's default clockTolerance, which Keyward keeps: a session read by uid is refused
// once its expiry is this many seconds past.
const CLOCK_TOLERANCE = 15;
const REMEMBERED_MAX = 100_000;

export interface BoundToken {
  accountId: string;
  grantId: string;
  sessionUid: string;
}

export function sessionBinding(sessions: Adapter) {
  const sessionIds = new Map<string, string>();

  async function byUid(uid: string): Promise<AdapterPayload | undefined> {
    const session = (await sessions.findByUid(uid)) ?? undefined;
    if (typeof session?.jti === 'string') {
      if (sessionIds.size >= REMEMBERED_MAX) sessionIds.delete(sessionIds.keys().next().value!);
      sessionIds.set(uid, session.jti);
    }
    return session;
  }

  /** Whether the token's session still holds its grant for `clientId` (`now` in seconds). */
  return async function holds(token: BoundToken, clientId: string, now: number): Promise<boolean> {
    const known = sessionIds.get(token.sessionUid);
    let session = known ? ((await sessions.find(known)) ?? undefined) : undefined;
    if (session?.uid !== token.sessionUid) session = await byUid(token.sessionUid);
    if (!session || (typeof session.exp === 'number' && now - CLOCK_TOLERANCE >= session.exp)) return false;
    const authorizations = session.authorizations as Record<string, { grantId?: unknown } | undefined> | undefined;
    return session.accountId === token.accountId && authorizations?.[clientId]?.grantId === token.grantId;
  };
}
