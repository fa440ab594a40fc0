import { StorageUnavailableError } from '../lib/errors.js';
import type { Cluster, Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { errors, type Adapter } from 'oidc-provider';
import type { Database } from '../db/schema.js';
import type { ConsumptionPolicy } from './consumption.js';
import { RedisAdapter, withAdapterScripts } from './redis.js';
import { SqlAdapter } from './sql.js';
import { BEARER_MODELS, BearerStateAdapter, type BearerStateKeys } from './bearer-state.js';
import { revokingCodeReplay } from './code-replay.js';

/**
 * Bearer models behind the hashing and sealing wrapper (bearer-state.ts), a code's replay
 * revoking its grant (code-replay.ts), every model guarded.
 */
function adapterFor(model: string, inner: Adapter, keys: BearerStateKeys, store: string, grants: () => Adapter): Adapter {
  const stored = BEARER_MODELS.has(model) ? new BearerStateAdapter(inner, model, keys) : inner;
  return guarded(model === 'AuthorizationCode' ? revokingCodeReplay(stored, grants) : stored, store);
}

/** Where oidc-provider's short-lived state lives: Redis, or the registry database when embedded. */
export interface ProtocolStore {
  kind: 'redis' | 'sql';
  forModel(model: string): Adapter;
  /**
   * Throws StorageUnavailableError while the connection is known to be down: a check without
   * a round trip, for answers that write nothing yet must not be given during an outage.
   */
  assertAvailable(): void;
}

const METHODS = ['upsert', 'find', 'findByUid', 'findByUserCode', 'consume', 'destroy', 'revokeByGrantId'] as const;

/**
 * Any failure of the store itself becomes a StorageUnavailableError, which the HTTP layer
 * answers with 503. Protocol errors the adapter raises on purpose (invalid_grant) pass through.
 */
function guarded(adapter: Adapter, store: string): Adapter {
  const wrapped = {} as Adapter;
  for (const method of METHODS) {
    const call = adapter[method].bind(adapter) as (...args: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      try {
        return await call(...args);
      } catch (err) {
        if (err instanceof errors.OIDCProviderError) throw err;
        throw new StorageUnavailableError(store, { cause: err });
      }
    };
  }
  return wrapped;
}

export function redisProtocolStore(redis: Redis | Cluster, prefix: string, policy: ConsumptionPolicy, keys: BearerStateKeys): ProtocolStore {
  withAdapterScripts(redis);
  return {
    kind: 'redis',
    forModel: (model) => adapterFor(model, new RedisAdapter(redis, model, prefix, policy), keys, 'redis', () => new RedisAdapter(redis, 'Grant', prefix, policy)),
    assertAvailable: () => {
      if (redis.status !== 'ready') throw new StorageUnavailableError('redis');
    },
  };
}

export function sqlProtocolStore(db: Kysely<Database>, policy: ConsumptionPolicy, keys: BearerStateKeys): ProtocolStore {
  // The database is asked on every path that needs it; an outage surfaces there.
  return {
    kind: 'sql',
    forModel: (model) => adapterFor(model, new SqlAdapter(db, model, policy), keys, 'database', () => new SqlAdapter(db, 'Grant', policy)),
    assertAvailable: () => {},
  };
}
