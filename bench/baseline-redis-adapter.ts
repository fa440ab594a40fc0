// The bare baseline's protocol store on Redis: a plain ioredis adapter laid out the way
// oidc-provider's example Redis adapter is (issue 18's "fair baseline"). One key per record
// (JSON in a string; a hash for the models that can be consumed, so consume() sets a field), a
// list of each grant's token keys, and index keys for uid and user code. Nothing Keyward adds:
// no hashed ids, no sealed payloads, no atomic consumption, no records of its own.
import type { Redis } from 'ioredis';
import type { Adapter, AdapterPayload } from 'oidc-provider';

const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);
const CONSUMABLE = new Set(['AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

class PlainRedisAdapter implements Adapter {
  constructor(
    private readonly redis: Redis,
    private readonly model: string,
  ) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const key = this.key(id);
    const write = this.redis.multi();
    if (CONSUMABLE.has(this.model)) write.hset(key, { payload: JSON.stringify(payload) });
    else write.set(key, JSON.stringify(payload));
    if (expiresIn) write.expire(key, expiresIn);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      const grantKey = `grant:${payload.grantId}`;
      write.rpush(grantKey, key);
      // As the example does: the grant's list lives as long as its longest-lived token.
      if (expiresIn > (await this.redis.ttl(grantKey))) write.expire(grantKey, expiresIn);
    }
    for (const [index, value] of [['userCode', payload.userCode], ['uid', payload.uid]] as const) {
      if (!value) continue;
      write.set(`${index}:${value}`, id);
      if (expiresIn) write.expire(`${index}:${value}`, expiresIn);
    }
    await write.exec();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (!CONSUMABLE.has(this.model)) {
      const stored = await this.redis.get(this.key(id));
      return stored ? (JSON.parse(stored) as AdapterPayload) : undefined;
    }
    const { payload, consumed } = await this.redis.hgetall(this.key(id));
    if (!payload) return undefined;
    return { ...(JSON.parse(payload) as AdapterPayload), ...(consumed ? { consumed: Number(consumed) } : {}) };
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await this.redis.get(`uid:${uid}`);
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = await this.redis.get(`userCode:${userCode}`);
    return id ? this.find(id) : undefined;
  }

  async consume(id: string): Promise<void> {
    await this.redis.hset(this.key(id), 'consumed', Math.floor(Date.now() / 1000));
  }

  async destroy(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = `grant:${grantId}`;
    const tokens = await this.redis.lrange(grantKey, 0, -1);
    await this.redis.multi([...tokens.map((token) => ['del', token]), ['del', grantKey]]).exec();
  }
}

/** oidc-provider's `adapter` option over `redis` (a client with the bench's `keyPrefix`, so its keys are cleaned up). */
export function plainRedisAdapter(redis: Redis): (model: string) => Adapter {
  return (model) => new PlainRedisAdapter(redis, model);
}
