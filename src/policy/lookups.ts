// The lookups the policy needs, kept live: an organization's plan and a user's role in an
// organization. Both are read on every token issuance and every user-token request, so each
// replica caches them briefly; a change made anywhere is announced on the revocation feed
// (feed/bus.ts) and drops the entry on every replica within a second. While the
// feed cannot hear, the cache is bypassed: a role is never trusted from a cache that may have
// missed its removal.
import { StorageUnavailableError } from '../lib/errors.js';
import type { Kysely } from 'kysely';
import type { Database, Role } from '../db/schema.js';
import type { Plans } from '../scopes/plans.js';
import { andThen, type MaybePromise } from '../lib/maybe-promise.js';
import { findOrganization } from '../organizations/repository.js';
import { membershipOf } from '../users/repository.js';

const PLAN_TTL_MS = 10_000;
const ROLE_TTL_MS = 5_000;
const CACHE_MAX = 50_000;

/** Feed messages (the API-key hashes on the same feed never contain a colon). */
export const organizationChanged = (organizationId: string) => `organization:${organizationId}`;
export const membershipChanged = (userId: string, organizationId: string) => `membership:${userId}:${organizationId}`;

/** A small read-through cache whose reads started before an invalidation are not kept. */
class LiveCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly trusted: () => boolean,
  ) {}

  get(key: string, load: () => Promise<V>): MaybePromise<V> {
    const hit = this.trusted() ? this.entries.get(key) : undefined;
    if (hit && hit.expires > Date.now()) return hit.value;
    const generation = this.generation;
    const readAt = Date.now();
    return load().then(
      (value) => {
        if (generation === this.generation) {
          if (this.entries.size >= CACHE_MAX) this.entries.delete(this.entries.keys().next().value!);
          this.entries.set(key, { value, expires: readAt + this.ttlMs });
        }
        return value;
      },
      (err: unknown) => {
        throw new StorageUnavailableError('database', { cause: err });
      },
    );
  }

  delete(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}

export class PolicyLookups {
  private readonly plans: LiveCache<readonly string[] | undefined>;
  private readonly memberships: LiveCache<{ role: Role; since: number } | undefined>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly planScopes: Plans,
    /** Whether changes made on other replicas reach this one now. */
    hearsChanges: () => boolean = () => true,
  ) {
    this.plans = new LiveCache(PLAN_TTL_MS, hearsChanges);
    this.memberships = new LiveCache(ROLE_TTL_MS, hearsChanges);
  }

  /** The product scopes of the organization's plan; undefined when there is no such organization. */
  planOf(organizationId: string): MaybePromise<readonly string[] | undefined> {
    return this.plans.get(organizationId, async () => {
      const organization = await findOrganization(this.db, organizationId);
      return organization ? (this.planScopes[organization.plan] ?? []) : undefined;
    });
  }

  /**
   * The user's role in the organization now, for a credential issued at `issuedAt` (seconds):
   * undefined when they are not a member, or when the credential predates their membership,
   * so a member removed and added again does not get their old tokens back.
   */
  roleOf(userId: string, organizationId: string, issuedAt?: number): MaybePromise<Role | undefined> {
    const membership = this.memberships.get(`${userId}\n${organizationId}`, async () => {
      const found = await membershipOf(this.db, userId, organizationId);
      return found && { role: found.role, since: Math.floor(found.since.getTime() / 1000) };
    });
    return andThen(membership, (m) => (m && (issuedAt === undefined || issuedAt >= m.since) ? m.role : undefined));
  }

  /** Applies a feed message; false when it is not one of the policy's. */
  invalidate(message: string): boolean {
    const [kind, first, second] = message.split(':');
    if (kind === 'organization' && first) this.plans.delete(first);
    else if (kind === 'membership' && first && second) this.memberships.delete(`${first}\n${second}`);
    else return false;
    return true;
  }

  /** The feed missed messages: nothing cached can be trusted. */
  forgetAll(): void {
    this.plans.clear();
    this.memberships.clear();
  }
}
