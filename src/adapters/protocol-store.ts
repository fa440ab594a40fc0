import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Adapter } from 'oidc-provider';
import type { Database } from '../db/schema.js';
import type { ConsumptionPolicy } from './consumption.js';
import { RedisAdapter } from './redis.js';
import { SqlAdapter } from './sql.js';

/** Where oidc-provider's short-lived state lives: Redis, or the registry database when embedded. */
export interface ProtocolStore {
  kind: 'redis' | 'sql';
  forModel(model: string): Adapter;
}

export function redisProtocolStore(redis: Redis, prefix: string, policy: ConsumptionPolicy): ProtocolStore {
  return { kind: 'redis', forModel: (model) => new RedisAdapter(redis, model, prefix, policy) };
}

export function sqlProtocolStore(db: Kysely<Database>, policy: ConsumptionPolicy): ProtocolStore {
  return { kind: 'sql', forModel: (model) => new SqlAdapter(db, model, policy) };
}
