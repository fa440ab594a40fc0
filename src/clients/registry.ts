// The OAuth client registry as oidc-provider sees it. oidc-provider asks its Client adapter on
// every lookup (it caches built Client objects, but not the read), so a token request would
// cost a database round trip; a short in-process cache removes it. Every change is announced
// on the revocation feed (clientChanged), which drops the entry on every replica within a
// second; entries live CACHE_TTL_MS at most, in case a message is lost.
import { hash, timingSafeEqual } from 'node:crypto';
import { StorageUnavailableError } from '../lib/errors.js';
import type { Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Database } from '../db/schema.js';
import { findClient, type ClientRecord } from './repository.js';
import { hashClientSecret } from './secret.js';
import { hashesEqual } from '../crypto/keyring.js';
import { storable } from '../db/nul-characters.js';
import type { MaybePromise } from '../lib/maybe-promise.js';

const CACHE_TTL_MS = 10_000;
// Misses expire sooner, so a client registered on another replica is usable almost at once.
const MISS_TTL_MS = 1_000;
const CACHE_MAX = 10_000;
const UNKNOWN_CLIENT_HASH = 'A'.repeat(43);
const NOTHING_MATCHED = Buffer.alloc(32);
const CHANGED = 'client:';

/** The feed message for a client changed or deleted (feed/bus.ts). */
export const clientChanged = (clientId: string) => `${CHANGED}${clientId}`;

export class ClientRegistry {
  private readonly cache = new Map<string, { record: ClientRecord | undefined; expires: number }>();
  // For each cached record, the SHA-256 of the secret its current secret was last matched by: a
  // client presenting it again costs a one-shot hash and a constant-time compare instead of the
  // keyed HMAC (docs/benchmarks.md). Kept with the record object, so a rotation, a deletion or
  // the cache's TTL forgets it. The SHA-256 of a 261-bit random secret gives away no more than
  // its HMAC, and the secret itself is never kept.
  private readonly matched = new WeakMap<ClientRecord, Buffer>();
  // Bumped by every invalidation: a read that started before one is not cached, since it may
  // hold the row as it was before the change (the caller waiting on it still gets that row).
  private generation = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly pepper: Buffer,
  ) {}

  /** The client, at once when cached (src/lib/maybe-promise.ts). */
  find(clientId: string): MaybePromise<ClientRecord | undefined> {
    if (!storable(clientId)) return undefined;
    const hit = this.cache.get(clientId);
    return hit && hit.expires > Date.now() ? hit.record : this.load(clientId);
  }

  private async load(clientId: string): Promise<ClientRecord | undefined> {
    const generation = this.generation;
    const readAt = Date.now();
    let record: ClientRecord | undefined;
    try {
      record = await findClient(this.db, clientId);
    } catch (err) {
      throw new StorageUnavailableError('database', { cause: err });
    }
    if (generation !== this.generation) return record;
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(clientId, { record, expires: readAt + (record ? CACHE_TTL_MS : MISS_TTL_MS) });
    return record;
  }

  invalidate(clientId: string): void {
    this.generation++;
    this.cache.delete(clientId);
  }

  /** Applies a feed message; false when it is not the registry's. */
  applyChange(message: string): boolean {
    if (!message.startsWith(CHANGED)) return false;
    this.invalidate(message.slice(CHANGED.length));
    return true;
  }

  /** The feed missed messages: nothing cached can be trusted. */
  forgetAll(): void {
    this.generation++;
    this.cache.clear();
  }

  /** Current secret, or the previous one while its grace period lasts. */
  async secretMatches(clientId: string, presented: string): Promise<boolean> {
    return this.checkSecret(await this.find(clientId), presented);
  }

  /** secretMatches for a client already looked up (undefined: unknown). */
  checkSecret(record: ClientRecord | undefined, presented: string): boolean {
    const digest = hash('sha256', presented, 'buffer');
    const lastMatched = (record && this.matched.get(record)) ?? NOTHING_MATCHED;
    if (timingSafeEqual(lastMatched, digest) && lastMatched !== NOTHING_MATCHED) return true;
    // Hashed first and compared in constant time, so the presented secret's length and content
    // leak nothing; hashed once, whichever stored hashes it is compared with.
    const presentedHash = hashClientSecret(this.pepper, presented);
    if (!record?.secret_hash) {
      // Same work as a known client, so timing does not tell which client ids exist.
      hashesEqual(presentedHash, UNKNOWN_CLIENT_HASH);
      return false;
    }
    const current = hashesEqual(presentedHash, record.secret_hash);
    if (current) this.matched.set(record, digest);
    const previous =
      record.previous_secret_hash !== null &&
      record.previous_secret_expires_at !== null &&
      record.previous_secret_expires_at.getTime() > Date.now() &&
      hashesEqual(presentedHash, record.previous_secret_hash);
    return current || previous;
  }

  /** The read-only Client adapter oidc-provider consults. */
  clientAdapter(): Adapter {
    const unsupported = () => Promise.reject(new Error('the client registry is managed by Keyward, not oidc-provider'));
    return {
      find: async (id: string) => {
        const record = await this.find(id);
        return record ? toClientMetadata(record) : undefined;
      },
      upsert: unsupported,
      consume: unsupported,
      destroy: unsupported,
      revokeByGrantId: unsupported,
      findByUid: unsupported,
      findByUserCode: unsupported,
    };
  }
}

export function toClientMetadata(record: ClientRecord): AdapterPayload {
  const grantTypes = record.grant_types;
  return {
    client_id: record.client_id,
    client_name: record.name,
    // oidc-provider needs a value here for secret-based auth methods; it only ever reaches
    // compareClientSecret (overridden to hash the presented secret) because every algorithm
    // that would use it as an HMAC key is disabled (see oauth/provider/client-secret-patch.ts).
    ...(record.secret_hash ? { client_secret: record.secret_hash } : {}),
    token_endpoint_auth_method: record.token_endpoint_auth_method,
    grant_types: grantTypes,
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    redirect_uris: record.redirect_uris,
    // Apps may always ask for an ID token; it carries no product permission.
    scope: grantTypes.includes('authorization_code') ? `openid ${record.scope}`.trim() : record.scope,
    ...(record.jwks ? { jwks: record.jwks } : {}),
    organization_id: record.organization_id,
  } as AdapterPayload;
}
