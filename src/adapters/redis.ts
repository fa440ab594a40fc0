// oidc-provider adapter on Redis. Key layout (REDIS_KEY_PREFIX, default "kw:"):
//   <prefix><Model>:{<id>}     hash {p: payload JSON, c: consumed-at ms}, EXPIRE = token TTL
//   <prefix>grant:{<grantId>}  set of the keys above that belong to the grant
//   <prefix>uid:{<uid>}        -> session id            <prefix>userCode:{<code>} -> id
// Every key carries its own hash tag and every command touches one key, so the layout works
// unchanged on Redis Cluster. A grant's tokens live in different slots (find() only knows a
// token's id), so revokeByGrantId deletes them one command each.
import type { Redis, Cluster } from 'ioredis';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { assertConsumedOnce, reportedConsumed, type ConsumptionPolicy } from './consumption.js';

type RedisClient = Redis | Cluster;

// Each write is one script on one key (atomic, as a MULTI would be, and Cluster-safe): one
// command to send and to parse instead of a MULTI of three or four. A rotation writes two
// records, so this halved the commands its writes cost (docs/benchmarks.md).
const UPSERT = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'p', ARGV[1])
if ARGV[2] ~= '0' then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1`;

// The grant's index lives as long as its longest-lived member.
const FILE_UNDER_GRANT = `
redis.call('SADD', KEYS[1], ARGV[1])
if ARGV[2] == '0' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX')
  redis.call('EXPIRE', KEYS[1], ARGV[2], 'GT')
end
return 1`;

// Atomic compare-and-set: -1 when the key is gone, 0 when this call consumed it, otherwise the
// consumed-at time already recorded.
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local c = redis.call('HGET', KEYS[1], 'c')
if c then return tonumber(c) end
redis.call('HSET', KEYS[1], 'c', ARGV[1])
return 0`;

interface ScriptCommands {
  kwUpsert(key: string, payload: string, ttl: string): Promise<number>;
  kwFileUnderGrant(grantKey: string, member: string, ttl: string): Promise<number>;
  kwConsume(key: string, now: string): Promise<number>;
}

/**
 * The client with the adapter's scripts defined on it (sent by SHA, loaded once per node).
 * Called when the protocol store is built, before any request: see compose/redis.ts.
 */
export function withAdapterScripts(redis: RedisClient): RedisClient & ScriptCommands {
  if (!('kwUpsert' in redis)) {
    redis.defineCommand('kwUpsert', { numberOfKeys: 1, lua: UPSERT });
    redis.defineCommand('kwFileUnderGrant', { numberOfKeys: 1, lua: FILE_UNDER_GRANT });
    redis.defineCommand('kwConsume', { numberOfKeys: 1, lua: CONSUME });
  }
  return redis as RedisClient & ScriptCommands;
}

export class RedisAdapter implements Adapter {
  private readonly redis: RedisClient & ScriptCommands;

  constructor(
    redis: RedisClient,
    private readonly model: string,
    private readonly prefix: string,
    private readonly policy: ConsumptionPolicy,
  ) {
    this.redis = withAdapterScripts(redis);
  }

  private key(id: string): string {
    return `${this.prefix}${this.model}:{${id}}`;
  }

  private grantKey(grantId: string): string {
    return `${this.prefix}grant:{${grantId}}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.key(id);
    const ttl = String(expiresIn ?? 0);
    const writes: Promise<unknown>[] = [this.redis.kwUpsert(key, JSON.stringify(payload), ttl)];
    if (payload.grantId) writes.push(this.redis.kwFileUnderGrant(this.grantKey(payload.grantId), key, ttl));
    if (payload.uid) writes.push(this.setIndex(`${this.prefix}uid:{${payload.uid}}`, id, expiresIn));
    if (payload.userCode) writes.push(this.setIndex(`${this.prefix}userCode:{${payload.userCode}}`, id, expiresIn));
    await Promise.all(writes);
  }

  private async setIndex(key: string, id: string, expiresIn?: number): Promise<void> {
    if (expiresIn) await this.redis.set(key, id, 'EX', expiresIn);
    else await this.redis.set(key, id);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const stored = await this.redis.hgetall(this.key(id));
    if (!stored.p) return undefined;
    const payload = JSON.parse(stored.p) as AdapterPayload;
    const consumed = reportedConsumed(this.model, stored.c ? Number(stored.c) : null, this.policy);
    return consumed === undefined ? payload : { ...payload, consumed };
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await this.redis.get(`${this.prefix}uid:{${uid}}`);
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = await this.redis.get(`${this.prefix}userCode:{${userCode}}`);
    return id ? this.find(id) : undefined;
  }

  async consume(id: string): Promise<void> {
    const result = Number(await this.redis.kwConsume(this.key(id), String(Date.now())));
    assertConsumedOnce(this.model, result === -1 ? 'missing' : result === 0 ? null : result, this.policy);
  }

  async destroy(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = this.grantKey(grantId);
    const members = await this.redis.smembers(grantKey);
    await Promise.all(members.map((key) => this.redis.del(key)));
    await this.redis.del(grantKey);
  }
}
