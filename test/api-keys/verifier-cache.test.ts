// The API-key verifier's cache on a real Postgres (src/api-keys/verifier.ts): a key in use is
// read again ahead of its entry's expiry, in one query for every key then due, off the
// request's path; what the re-read finds (a revocation, a deleted row) takes effect; and a
// re-read that fails never makes an entry outlive its TTL. Only Date is faked, so the
// verifier's own timer and the database run in real time.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import type { Kysely } from 'kysely';
import { connectDatabase } from '../../src/db/connect.js';
import type { Database } from '../../src/db/schema.js';
import { insertApiKey, type NewApiKey } from '../../src/api-keys/repository.js';
import { ApiKeyVerifier, type KeyVerification } from '../../src/api-keys/verifier.js';
import { StorageUnavailableError } from '../../src/lib/errors.js';
import { registryDatabase } from '../helpers/registry-database.js';

const HIT_TTL_MS = 10_000; // src/api-keys/verifier.ts
const labels = { type: { secret: 'sk', publishable: 'pk', restricted: 'rk' }, mode: { live: 'live', test: 'test' } } as const;
const pepper = randomBytes(32);
const database = registryDatabase('verifier cache');
afterEach(() => vi.useRealTimers());

/** The database as the verifier sees it, counting the statements it runs. */
function counted(db: Kysely<Database>) {
  const counter = { statements: 0 };
  const view = db.withPlugin({
    transformQuery: (args) => {
      counter.statements++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
  return { db: view, counter };
}

async function newKey(): Promise<string> {
  const input: NewApiKey = { organizationId: database.organizationId, name: 'k', type: 'secret', mode: 'live', scopes: ['invoices:read'], ipAllowlist: [], allowedOrigins: [], expiresAt: null, createdBy: 'test' };
  return (await insertApiKey(database.handle.db, { pepper, labels }, input)).key;
}

/** A verdict reached without waiting: the cached path answers synchronously. */
function atOnce(verdict: KeyVerification | Promise<KeyVerification>): KeyVerification {
  expect(verdict).not.toBeInstanceOf(Promise);
  return verdict as KeyVerification;
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 5_000; // Date is faked
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the API-key cache, read again ahead of expiry', () => {
  it('re-reads every key due in one query, off the request path, and keeps serving them past the first TTL', async () => {
    const keys = await Promise.all(Array.from({ length: 30 }, () => newKey()));
    const { db, counter } = counted(database.handle.db);
    const verifier = new ApiKeyVerifier(db, pepper, labels, () => {});
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    for (const key of keys) expect((await verifier.verify(key)).ok).toBe(true);
    expect(counter.statements).toBe(keys.length);

    // Early in the entries' life: served from the cache, nothing read.
    vi.setSystemTime(start + HIT_TTL_MS / 2);
    for (const key of keys) expect(atOnce(verifier.verify(key)).ok).toBe(true);
    expect(counter.statements).toBe(keys.length);

    // In their last quarter: still answered at once, and re-read together in the background.
    vi.setSystemTime(start + HIT_TTL_MS - 1_000);
    for (const key of keys) expect(atOnce(verifier.verify(key)).ok).toBe(true);
    await until(() => counter.statements > keys.length);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(counter.statements).toBe(keys.length + 1);

    // Past the first TTL, the re-read entries answer at once, with no further query.
    vi.setSystemTime(start + HIT_TTL_MS + 2_000);
    for (const key of keys) expect(atOnce(verifier.verify(key)).ok).toBe(true);
    expect(counter.statements).toBe(keys.length + 1);
  });

  it('applies what the re-read finds: a key revoked or deleted behind the cache stops passing', async () => {
    const [revoked, deleted, kept] = [await newKey(), await newKey(), await newKey()];
    const { db, counter } = counted(database.handle.db);
    const verifier = new ApiKeyVerifier(db, pepper, labels, () => {});
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    for (const key of [revoked, deleted, kept]) expect((await verifier.verify(key)).ok).toBe(true);

    // Changed in the database without telling this verifier (as a lost invalidation would).
    await database.handle.db.updateTable('api_keys').set({ revoked_at: new Date(start) }).where('key_hash', '=', verifier.hash(revoked)).execute();
    await database.handle.db.deleteFrom('api_keys').where('key_hash', '=', verifier.hash(deleted)).execute();
    vi.setSystemTime(start + HIT_TTL_MS - 1_000);
    for (const key of [revoked, deleted, kept]) expect(atOnce(verifier.verify(key)).ok).toBe(true);
    const before = counter.statements;
    await until(() => counter.statements > before);
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(atOnce(verifier.verify(revoked))).toMatchObject({ ok: false, reason: 'revoked' });
    expect(atOnce(verifier.verify(deleted))).toMatchObject({ ok: false, reason: 'unknown' });
    expect(atOnce(verifier.verify(kept)).ok).toBe(true);
  });

  it('never serves an entry past its TTL when the re-read fails', async () => {
    const key = await newKey();
    const own = await connectDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '' });
    const { db, counter } = counted(own.db);
    const verifier = new ApiKeyVerifier(db, pepper, labels, () => {});
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    expect((await verifier.verify(key)).ok).toBe(true);

    await own.close(); // every query from now on fails
    vi.setSystemTime(start + HIT_TTL_MS - 1_000);
    expect(atOnce(verifier.verify(key)).ok).toBe(true); // schedules the re-read, which fails
    await until(() => counter.statements > 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    vi.setSystemTime(start + HIT_TTL_MS - 100);
    expect(atOnce(verifier.verify(key)).ok).toBe(true);

    vi.setSystemTime(start + HIT_TTL_MS + 1);
    await expect(verifier.verify(key)).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('drops, rather than crashes on, a re-read row it cannot use (an allowlist edited by hand)', async () => {
    const key = await newKey();
    const { db, counter } = counted(database.handle.db);
    const verifier = new ApiKeyVerifier(db, pepper, labels, () => {});
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    expect((await verifier.verify(key)).ok).toBe(true);
    await database.handle.db.updateTable('api_keys').set({ ip_allowlist: JSON.stringify(['not an address/99']) }).where('key_hash', '=', verifier.hash(key)).execute();
    vi.setSystemTime(start + HIT_TTL_MS - 1_000);
    expect(atOnce(verifier.verify(key)).ok).toBe(true);
    await until(() => counter.statements > 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // No longer cached: the next verification reads the row itself, and fails on it alone.
    await expect(verifier.verify(key)).rejects.toThrow();
  });
});
