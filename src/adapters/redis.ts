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

// Atomic compare-and-set: -1 when the key is gone, 0 when this call consumed it, otherwise the
// consumed-at time already recorded.
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local c = redis.call('HGET', KEYS[1], 'c')
if c then return tonumber(c) end
redis.call('HSET', KEYS[1], 'c', ARGV[1])
return 0`;

export class RedisAdapter implements Adapter {
  constructor(
    private readonly redis: RedisClient,
    private readonly model: string,
    private readonly prefix: string,
    private readonly policy: ConsumptionPolicy,
  ) {}

  private key(id: string): string {
    return `${this.prefix}${this.model}:{${id}}`;
  }

  private grantKey(grantId: string): string {
    return `${this.prefix}grant:{${grantId}}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.key(id);
    const write = this.redis.multi().del(key).hset(key, 'p', JSON.stringify(payload));
    if (expiresIn) write.expire(key, expiresIn);
    const writes: Promise<unknown>[] = [write.exec()];
    if (payload.grantId) {
      const grantKey = this.grantKey(payload.grantId);
      const index = this.redis.multi().sadd(grantKey, key);
      // The index lives as long as its longest-lived member.
      if (expiresIn) index.expire(grantKey, expiresIn, 'NX').expire(grantKey, expiresIn, 'GT');
      else index.persist(grantKey);
      writes.push(index.exec());
    }
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
    const result = Number(await this.redis.eval(CONSUME, 1, this.key(id), String(Date.now())));
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
