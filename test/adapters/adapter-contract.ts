// One contract for every oidc-provider adapter Keyward ships (Redis, SQL on Postgres, SQL on
// PGlite): each backend's test file runs this suite against a fresh store.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Adapter } from 'oidc-provider';
import type { ProtocolStore } from '../../src/adapters/protocol-store.js';
import type { ConsumptionPolicy } from '../../src/adapters/consumption.js';
import { storedRecordId } from '../../src/adapters/bearer-state.js';

/** Keys of bearer state for stores built outside a server. */
export const TEST_STATE_KEYS = { idKey: Buffer.alloc(32, 1), sealingKey: Buffer.alloc(32, 2) };

/** What lies under a store: everything it holds as text, and its adapter without the bearer-state wrapper. */
export interface Backing {
  dump(): Promise<string>;
  plain(model: string, policy: ConsumptionPolicy): Adapter;
}

const id = () => randomBytes(12).toString('base64url');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function adapterContract(name: string, makeStore: (policy: { refreshTokenReuseInterval: number }) => ProtocolStore, backing?: Backing) {
  describe(`${name} adapter contract`, () => {
    const store = makeStore({ refreshTokenReuseInterval: 0 });

    if (backing) {
      it('stores refresh tokens, sessions and interactions so that a dump holds none of their ids', async () => {
        const [refreshToken, session, interaction, uid, grantId] = [id(), id(), id(), id(), id()];
        await store.forModel('RefreshToken').upsert(refreshToken, { jti: refreshToken, kind: 'RefreshToken', grantId }, 60);
        await store.forModel('Session').upsert(session, { jti: session, uid, kind: 'Session', accountId: 'a' }, 60);
        await store.forModel('Interaction').upsert(interaction, { jti: interaction, kind: 'Interaction', session: { accountId: 'a', uid, cookie: session }, parJti: refreshToken }, 60);
        const dump = await backing.dump();
        expect(dump).toContain(uid); // the dump is the store's
        for (const secret of [refreshToken, session, interaction]) expect(dump).not.toContain(secret);
        expect(await store.forModel('RefreshToken').find(refreshToken)).toMatchObject({ jti: refreshToken });
        expect(await store.forModel('Session').findByUid(uid)).toMatchObject({ jti: session });
        expect(await store.forModel('Interaction').find(interaction)).toMatchObject({ jti: interaction, session: { cookie: session }, parJti: refreshToken });
        await store.forModel('RefreshToken').revokeByGrantId(grantId);
        expect(await store.forModel('RefreshToken').find(refreshToken)).toBeUndefined();
      });

      it("does not take a record's stored id (what a dump shows) for its token", async () => {
        const refreshToken = id();
        const adapter = store.forModel('RefreshToken');
        await adapter.upsert(refreshToken, { jti: refreshToken, kind: 'RefreshToken' }, 60);
        const storedId = storedRecordId(TEST_STATE_KEYS, 'RefreshToken', refreshToken);
        expect(await backing.plain('RefreshToken', { refreshTokenReuseInterval: 0 }).find(storedId)).toBeDefined();
        expect(await adapter.find(storedId)).toBeUndefined();
        expect(await adapter.find(refreshToken)).toMatchObject({ jti: refreshToken });
      });

      it('finds, consumes and destroys a record written before ids were hashed', async () => {
        const refreshToken = id();
        await backing.plain('RefreshToken', { refreshTokenReuseInterval: 0 }).upsert(refreshToken, { jti: refreshToken, kind: 'RefreshToken' }, 60);
        const adapter = store.forModel('RefreshToken');
        expect(await adapter.find(refreshToken)).toMatchObject({ jti: refreshToken });
        await adapter.consume(refreshToken);
        expect((await adapter.find(refreshToken))?.consumed).toEqual(expect.any(Number));
        await expect(adapter.consume(refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
        await adapter.destroy(refreshToken);
        expect(await adapter.find(refreshToken)).toBeUndefined();
      });
    }

    it("revokes a code's grant when a second consumption of the code loses the race (RFC 6749 §4.1.2, checklist B15)", async () => {
      const [code, grantId, refreshToken] = [id(), id(), id()];
      await store.forModel('Grant').upsert(grantId, { jti: grantId, kind: 'Grant' }, 60);
      await store.forModel('RefreshToken').upsert(refreshToken, { jti: refreshToken, kind: 'RefreshToken', grantId }, 60);
      const codes = store.forModel('AuthorizationCode');
      await codes.upsert(code, { jti: code, kind: 'AuthorizationCode', grantId }, 60);
      await codes.consume(code);
      await expect(codes.consume(code)).rejects.toMatchObject({ error: 'invalid_grant', error_detail: 'authorization code already consumed' });
      expect(await store.forModel('Grant').find(grantId)).toBeUndefined();
      expect(await store.forModel('RefreshToken').find(refreshToken)).toBeUndefined();
    });

    it('stores, finds and overwrites a payload', async () => {
      const adapter = store.forModel('Session');
      const key = id();
      expect(await adapter.find(key)).toBeUndefined();
      await adapter.upsert(key, { accountId: 'a1', kind: 'Session' }, 60);
      expect(await adapter.find(key)).toEqual({ accountId: 'a1', kind: 'Session' });
      await adapter.upsert(key, { accountId: 'a2', kind: 'Session' }, 60);
      expect(await adapter.find(key)).toEqual({ accountId: 'a2', kind: 'Session' });
    });

    it('keeps models apart under the same id', async () => {
      const key = id();
      await store.forModel('Session').upsert(key, { accountId: 's' }, 60);
      expect(await store.forModel('Interaction').find(key)).toBeUndefined();
    });

    it('forgets a payload once its TTL has passed', async () => {
      const adapter = store.forModel('Interaction');
      const key = id();
      await adapter.upsert(key, { kind: 'Interaction' }, 1);
      expect(await adapter.find(key)).toBeDefined();
      await sleep(2100);
      expect(await adapter.find(key)).toBeUndefined();
    });

    it('finds a session by uid', async () => {
      const adapter = store.forModel('Session');
      const key = id();
      const uid = id();
      await adapter.upsert(key, { uid, accountId: 'a' }, 60);
      expect(await adapter.findByUid(uid)).toMatchObject({ uid, accountId: 'a' });
      expect(await adapter.findByUid(id())).toBeUndefined();
    });

    it('finds a device code by user code', async () => {
      const adapter = store.forModel('DeviceCode');
      const key = id();
      await adapter.upsert(key, { userCode: 'ABCD-EFGH', grantId: id() }, 60);
      expect(await adapter.findByUserCode('ABCD-EFGH')).toMatchObject({ userCode: 'ABCD-EFGH' });
    });

    it('destroys a payload', async () => {
      const adapter = store.forModel('Grant');
      const key = id();
      await adapter.upsert(key, { accountId: 'a' }, 60);
      await adapter.destroy(key);
      expect(await adapter.find(key)).toBeUndefined();
    });

    it('consumes once, reports consumed afterwards, and refuses a second consumption', async () => {
      const adapter = store.forModel('AuthorizationCode');
      const key = id();
      await adapter.upsert(key, { grantId: id() }, 60);
      expect((await adapter.find(key))?.consumed).toBeUndefined();
      await adapter.consume(key);
      expect((await adapter.find(key))?.consumed).toEqual(expect.any(Number));
      await expect(adapter.consume(key)).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('lets exactly one of many concurrent consumers win', async () => {
      const adapter = store.forModel('RefreshToken');
      const key = id();
      await adapter.upsert(key, { grantId: id() }, 60);
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => adapter.consume(key)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('treats an id no store can hold (NUL) as absent, not as an outage', async () => {
      const adapter = store.forModel('RefreshToken');
      expect(await adapter.find('a\u0000b')).toBeUndefined();
      await expect(adapter.consume('a\u0000b')).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(adapter.destroy('a\u0000b')).resolves.toBeUndefined();
    });

    it('refuses to consume what does not exist', async () => {
      await expect(store.forModel('RefreshToken').consume(id())).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('revokeByGrantId removes the grant\'s records of every model and nothing else', async () => {
      const grantId = id();
      const [code, refresh, extra, bystander] = [id(), id(), id(), id()];
      await store.forModel('AuthorizationCode').upsert(code, { grantId }, 60);
      await store.forModel('RefreshToken').upsert(refresh, { grantId }, 600);
      await store.forModel('IssuedAccessToken').upsert(extra, { grantId, clientId: 'c', organizationId: 'o' }, 60);
      await store.forModel('GrantOrganization').upsert(grantId, { grantId, organizationId: 'o' }, 600);
      await store.forModel('RefreshToken').upsert(bystander, { grantId: id() }, 60);
      await store.forModel('AccessToken').revokeByGrantId(grantId);
      expect(await store.forModel('AuthorizationCode').find(code)).toBeUndefined();
      expect(await store.forModel('RefreshToken').find(refresh)).toBeUndefined();
      expect(await store.forModel('IssuedAccessToken').find(extra)).toBeUndefined();
      expect(await store.forModel('GrantOrganization').find(grantId)).toBeUndefined();
      expect(await store.forModel('RefreshToken').find(bystander)).toBeDefined();
    });

    describe('with a refresh-token reuse interval', () => {
      const graceful = makeStore({ refreshTokenReuseInterval: 1 });

      it('reads a rotated refresh token as fresh inside the window and consumed after it', async () => {
        const adapter = graceful.forModel('RefreshToken');
        const key = id();
        await adapter.upsert(key, { grantId: id() }, 60);
        await adapter.consume(key);
        expect((await adapter.find(key))?.consumed).toBeUndefined();
        await expect(adapter.consume(key)).resolves.toBeUndefined();
        await sleep(1100);
        expect((await adapter.find(key))?.consumed).toEqual(expect.any(Number));
        await expect(adapter.consume(key)).rejects.toMatchObject({ error: 'invalid_grant' });
      });

      it('never applies the window to authorization codes', async () => {
        const adapter = graceful.forModel('AuthorizationCode');
        const key = id();
        await adapter.upsert(key, { grantId: id() }, 60);
        await adapter.consume(key);
        expect((await adapter.find(key))?.consumed).toEqual(expect.any(Number));
      });
    });
  });
}
