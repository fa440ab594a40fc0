// Verifies a presented API key: shape and checksum (no lookup), then the hash, through a short
// in-process cache, then revocation, expiry and the IP allowlist. Returns a result; throws (or
// rejects) only StorageUnavailableError, when the database cannot be read or while
// revocations from other replicas cannot be heard. Every refusal looks the same from outside
// (checklist F47).
import { StorageUnavailableError } from '../lib/errors.js';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { hashCredential } from '../crypto/keyring.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import { hasApiKeyShape, parseApiKey, type KeyLabels } from './format.js';
import { compileAllowlist } from './ip-allowlist.js';
import { findApiKeyByHash, type ApiKeyRecord } from './repository.js';

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
  record: ApiKeyRecord | undefined;
  admits: (address: string) => boolean;
  expires: number;
}

const HIT_TTL_MS = 10_000;
const MISS_TTL_MS = 2_000;
const CACHE_MAX = 50_000;

export class ApiKeyVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  // Bumped by every invalidation: a lookup that started before one is not cached, since it may
  // have read the row just before the revocation.
  private generation = 0;

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
    this.cache.delete(keyHash);
  }

  /** Drops every cached key (the bus missed invalidations while it was down). */
  forgetAll(): void {
    this.generation++;
    this.cache.clear();
  }

  /** Shape only (no labels, no checksum): cheap enough to route a token on. */
  looksLikeKey(candidate: string): boolean {
    return hasApiKeyShape(candidate);
  }

  /** The verdict, at once when the key is cached (src/lib/maybe-promise.ts). */
  verify(candidate: string, context: VerifyContext = {}): MaybePromise<KeyVerification> {
    if (!parseApiKey(candidate, this.labels).ok) return this.report({ ok: false, reason: 'malformed' });
    if (!this.hearsRevocations()) throw new StorageUnavailableError('redis');
    const keyHash = this.hash(candidate);
    const hit = this.cached(keyHash);
    return hit ? this.report(this.judge(hit, context)) : this.load(keyHash).then((entry) => this.report(this.judge(entry, context)));
  }

  private report(result: KeyVerification): KeyVerification {
    this.onResult(result.ok ? 'valid' : result.reason);
    return result;
  }

  private cached(keyHash: string): CacheEntry | undefined {
    const hit = this.cache.get(keyHash);
    return hit && hit.expires > Date.now() ? hit : undefined;
  }

  private async load(keyHash: string): Promise<CacheEntry> {
    const generation = this.generation;
    const readAt = Date.now();
    let record: ApiKeyRecord | undefined;
    try {
      record = await findApiKeyByHash(this.db, keyHash);
    } catch (err) {
      throw new StorageUnavailableError('database', { cause: err });
    }
    const entry = { record, admits: compileAllowlist(record?.ip_allowlist ?? []), expires: readAt + (record ? HIT_TTL_MS : MISS_TTL_MS) };
    if (generation !== this.generation) return entry;
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(keyHash, entry);
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
