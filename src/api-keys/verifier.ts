// Verifies a presented API key: shape and checksum (no lookup), then the hash, through a short
// in-process cache (read again ahead of expiry, in batches), then revocation, expiry and the
// IP allowlist. Returns a result; throws (or rejects) only StorageUnavailableError, when the
// database cannot be read or while revocations from other replicas cannot be heard. Every
// refusal looks the same from outside (checklist F47).
import { hash } from 'node:crypto';
import { StorageUnavailableError } from '../lib/errors.js';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { hashCredential } from '../crypto/keyring.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import { hasApiKeyShape, parseApiKey, type KeyLabels } from './format.js';
import { compileAllowlist } from './ip-allowlist.js';
import { findApiKeyByHash, findApiKeysByHashes, type ApiKeyRecord } from './repository.js';

export type RefusalReason = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'wrong_mode' | 'ip_not_allowed' | 'origin_not_allowed';

export type KeyVerification =
  | { ok: true; key: ApiKeyRecord }
  | { ok: false; reason: RefusalReason; key?: ApiKeyRecord };

export interface VerifyContext {
  /** The caller's address; required when the key has an allowlist. */
  ip?: string | undefined;
  /** The browser Origin, checked for publishable keys bound to origins. */
  origin?: string | undefined;
  /** Only keys of this mode pass (a live API refusing test keys). */
  mode?: 'live' | 'test' | undefined;
}

interface CacheEntry {
  /** The key's stored form (HMAC under the pepper): what the database and the bus know it by. */
  keyHash: string;
  record: ApiKeyRecord | undefined;
  admits: (address: string) => boolean;
  expires: number;
  /** A background re-read is scheduled or under way (or failed: the entry then just expires). */
  rereading: boolean;
}

const HIT_TTL_MS = 10_000;
const MISS_TTL_MS = 2_000;
const CACHE_MAX = 50_000;
// A key presented in the last quarter of its entry's life is read again in the background,
// together with every other key falling due within REREAD_DELAY_MS, in one query: a key in
// steady use is never reloaded on a request's path, and a process reads its keys in at most
// two queries a second however many it holds (docs/capacity.md). A re-read replaces the entry;
// one that fails leaves it to expire when it would have, never later.
const REREAD_AHEAD_MS = 2_500;
const REREAD_DELAY_MS = 500;
const REREAD_BATCH = 500;

export class ApiKeyVerifier {
  // Keyed by the presented key's SHA-256, a one-shot hash far cheaper than the HMAC, which is
  // computed only to read the database (docs/benchmarks.md). A 256-bit random key's SHA-256
  // gives away no more than its HMAC; the key itself is never kept.
  private readonly cache = new Map<string, CacheEntry>();
  /** The cache key of each entry by its stored form, for the bus's invalidations. */
  private readonly byKeyHash = new Map<string, string>();
  // Bumped by every invalidation: a lookup that started before one is not cached, since it may
  // have read the row just before the revocation.
  private generation = 0;
  private readonly due = new Set<string>();
  private rereadTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly pepper: Buffer,
    private readonly labels: KeyLabels,
    private readonly onUse: (keyId: string) => void,
    private readonly onResult: (result: 'valid' | RefusalReason) => void = () => {},
    /** Whether revocations made on other replicas reach this cache (feed/bus.ts). */
    private readonly hearsRevocations: () => boolean = () => true,
  ) {}

  hash(key: string): string {
    return hashCredential(this.pepper, key);
  }

  /** Drops a key from this replica's cache (called by the invalidation bus). */
  invalidate(keyHash: string): void {
    this.generation++;
    const digest = this.byKeyHash.get(keyHash);
    if (digest === undefined) return;
    this.cache.delete(digest);
    this.byKeyHash.delete(keyHash);
  }

  /** Drops every cached key (the bus missed invalidations while it was down). */
  forgetAll(): void {
    this.generation++;
    this.cache.clear();
    this.byKeyHash.clear();
  }

  /** Shape only (no labels, no checksum): cheap enough to route a token on. */
  looksLikeKey(candidate: string): boolean {
    return hasApiKeyShape(candidate);
  }

  /** The verdict, at once when the key is cached (src/lib/maybe-promise.ts). */
  verify(candidate: string, context: VerifyContext = {}): MaybePromise<KeyVerification> {
    if (!parseApiKey(candidate, this.labels).ok) return this.report({ ok: false, reason: 'malformed' });
    if (!this.hearsRevocations()) throw new StorageUnavailableError('redis');
    const digest = hash('sha256', candidate, 'base64url');
    const hit = this.cached(digest);
    return hit ? this.report(this.judge(hit, context)) : this.load(digest, this.hash(candidate)).then((entry) => this.report(this.judge(entry, context)));
  }

  private report(result: KeyVerification): KeyVerification {
    this.onResult(result.ok ? 'valid' : result.reason);
    return result;
  }

  private cached(digest: string): CacheEntry | undefined {
    const hit = this.cache.get(digest);
    if (!hit) return undefined;
    const left = hit.expires - Date.now();
    if (left <= 0) return undefined;
    if (left < REREAD_AHEAD_MS && hit.record && !hit.rereading) this.rereadLater(digest, hit);
    return hit;
  }

  private entry(keyHash: string, record: ApiKeyRecord | undefined, readAt: number): CacheEntry {
    return { keyHash, record, admits: compileAllowlist(record?.ip_allowlist ?? []), expires: readAt + (record ? HIT_TTL_MS : MISS_TTL_MS), rereading: false };
  }

  private remember(digest: string, entry: CacheEntry): void {
    if (!this.cache.has(digest) && this.cache.size >= CACHE_MAX) {
      const [oldest, evicted] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      this.byKeyHash.delete(evicted.keyHash);
    }
    this.cache.set(digest, entry);
    this.byKeyHash.set(entry.keyHash, digest);
  }

  private rereadLater(digest: string, entry: CacheEntry): void {
    entry.rereading = true;
    this.due.add(digest);
    this.rereadTimer ??= setTimeout(() => void this.rereadDue(), REREAD_DELAY_MS).unref();
  }

  private async rereadDue(): Promise<void> {
    this.rereadTimer = undefined;
    const digests = [...this.due];
    this.due.clear();
    for (let i = 0; i < digests.length; i += REREAD_BATCH) await this.reread(digests.slice(i, i + REREAD_BATCH));
  }

  /** Replaces the entries of `digests` still cached with what the database holds now (absent: unknown). */
  private async reread(digests: string[]): Promise<void> {
    const due = digests.flatMap((digest) => {
      const entry = this.cache.get(digest);
      return entry ? [{ digest, keyHash: entry.keyHash }] : [];
    });
    const generation = this.generation;
    const readAt = Date.now();
    let records: ApiKeyRecord[];
    try {
      records = await findApiKeysByHashes(this.db, due.map((d) => d.keyHash));
    } catch {
      // Each entry expires on time; the first request after that reads, and reports, the outage.
      return;
    }
    if (generation !== this.generation) {
      // An invalidation meanwhile may be about a row read just before it: keep nothing read here.
      for (const { digest } of due) {
        const entry = this.cache.get(digest);
        if (entry) entry.rereading = false;
      }
      return;
    }
    const found = new Map(records.map((record) => [record.key_hash, record]));
    for (const { digest, keyHash } of due) {
      if (!this.cache.has(digest)) continue;
      try {
        this.remember(digest, this.entry(keyHash, found.get(keyHash), readAt));
      } catch {
        // A row that cannot be read as a key (an allowlist edited by hand into nonsense) is
        // not served from the re-read: the next request loads it and fails on its own.
        this.cache.delete(digest);
        this.byKeyHash.delete(keyHash);
      }
    }
  }

  private async load(digest: string, keyHash: string): Promise<CacheEntry> {
    const generation = this.generation;
    const readAt = Date.now();
    let record: ApiKeyRecord | undefined;
    try {
      record = await findApiKeyByHash(this.db, keyHash);
    } catch (err) {
      throw new StorageUnavailableError('database', { cause: err });
    }
    const entry = this.entry(keyHash, record, readAt);
    if (generation === this.generation) this.remember(digest, entry);
    return entry;
  }

  private judge({ record, admits }: CacheEntry, context: VerifyContext): KeyVerification {
    if (!record) return { ok: false, reason: 'unknown' };
    const now = Date.now();
    if (record.revoked_at && record.revoked_at.getTime() <= now) return { ok: false, reason: 'revoked', key: record };
    if (record.expires_at && record.expires_at.getTime() <= now) return { ok: false, reason: 'expired', key: record };
    if (context.mode && record.mode !== context.mode) return { ok: false, reason: 'wrong_mode', key: record };
    if (record.ip_allowlist.length > 0 && !(context.ip && admits(context.ip))) {
      return { ok: false, reason: 'ip_not_allowed', key: record };
    }
    if (record.type === 'publishable' && record.allowed_origins.length > 0 && !(context.origin && record.allowed_origins.includes(context.origin))) {
      return { ok: false, reason: 'origin_not_allowed', key: record };
    }
    this.onUse(record.id);
    return { ok: true, key: record };
  }
}
