import { randomBytes, randomFillSync } from 'node:crypto';

// Each call into the system's generator costs about 8 µs here, a pooled one well under 1 µs,
// and a refresh rotation asks for random bytes three times (two token ids and a sealing IV;
// docs/benchmarks.md). So bytes are drawn from a pool filled 4 KiB at a time, as oidc-provider
// does for its own ids and Node for randomUUID; each byte is handed out once.
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** `size` (at most 4 KiB) cryptographically random bytes, in a buffer of their own. */
export function pooledRandomBytes(size: number): Buffer {
  if (size > POOL_SIZE) return randomBytes(size);
  if (poolOffset + size > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = Buffer.from(pool.subarray(poolOffset, poolOffset + size));
  poolOffset += size;
  return bytes;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` uniformly random base62 characters (log2(62) ≈ 5.95 bits each). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // Rejection sampling keeps the distribution uniform: 248 = 4 * 62.
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A public identifier such as org_3kT9...: prefix, underscore, 20 base62 characters. */
export function randomId(prefix: string): string {
  return `${prefix}_${randomBase62(20)}`;
}
