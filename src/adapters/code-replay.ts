// An authorization code used twice is a replay: RFC 6749 §4.1.2 asks that the tokens issued
// from it be revoked. oidc-provider revokes when a request finds the code already consumed; two
// requests that both find it fresh race to consume it, and the loser's consumption fails
// (consumption.ts) without a revocation, so a replay that wins the read went unpunished. Here
// the loser revokes the code's grant (its tokens, and the grant itself) and is refused with
// the refusal oidc-provider gives a replay, so it is counted as one too (oauth/provider/events.ts).
import { errors, type Adapter } from 'oidc-provider';

const RACE_LOST = 'grant source already used';

export function revokingCodeReplay(codes: Adapter, grants: () => Adapter): Adapter {
  const consume = async (id: string) => {
    try {
      await codes.consume(id);
    } catch (err) {
      if (!(err instanceof errors.InvalidGrant) || err.error_detail !== RACE_LOST) throw err;
      const grantId = (await codes.find(id))?.grantId;
      if (typeof grantId === 'string') await Promise.all([codes.revokeByGrantId(grantId), grants().destroy(grantId)]);
      throw new errors.InvalidGrant('authorization code already consumed');
    }
  };
  return {
    upsert: (...args) => codes.upsert(...args),
    find: (id) => codes.find(id),
    findByUid: (uid) => codes.findByUid(uid),
    findByUserCode: (userCode) => codes.findByUserCode(userCode),
    consume,
    destroy: (id) => codes.destroy(id),
    revokeByGrantId: (grantId) => codes.revokeByGrantId(grantId),
  };
}
