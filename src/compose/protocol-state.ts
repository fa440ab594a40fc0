// Protocol state (sessions, codes, grants, refresh tokens): Redis when configured, the
// registry database otherwise, swept of expired records every minute.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { Logger } from '../lib/logger.js';
import type { Database as Schema } from '../db/schema.js';
import { redisProtocolStore, sqlProtocolStore } from '../adapters/protocol-store.js';
import { sweepExpiredPayloads } from '../adapters/sql.js';
import type { BearerStateKeys } from '../adapters/bearer-state.js';
import { protocolRecords } from '../grants/records.js';
import type { Closer } from './closers.js';
import { connectRedis } from './redis.js';

const SWEEP_INTERVAL_MS = 60_000;

/** Protocol state: Redis when configured, the registry database otherwise. */
export async function buildProtocolState(config: Config, db: Kysely<Schema>, keys: BearerStateKeys, logger: Logger, closers: Closer[]) {
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, config.redisCluster) : undefined;
  if (redis) closers.unshift(() => redis.quit().catch(() => redis.disconnect()));
  const policy = { refreshTokenReuseInterval: config.refreshTokenReuseInterval };
  const store = redis ? redisProtocolStore(redis, config.redisKeyPrefix, policy, keys) : sqlProtocolStore(db, policy, keys);
  if (!redis) {
    const sweep = setInterval(() => {
      sweepExpiredPayloads(db).catch((err: unknown) => logger.warn({ err }, 'sweeping expired protocol state failed'));
    }, SWEEP_INTERVAL_MS);
    sweep.unref();
    closers.unshift(() => clearInterval(sweep));
  }
  return { redis, store, records: protocolRecords(store) };
}
