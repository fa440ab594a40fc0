// last_used_at is written in batches: at most one write per key per interval, one statement
// per flush, never one write per request.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import { touchApiKeys } from './repository.js';

export interface LastUsedRecorder {
  touch(keyId: string): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function lastUsedRecorder(db: Kysely<Database>, logger: Logger, intervalMs = 10_000): LastUsedRecorder {
  let pending = new Map<string, Date>();
  const flush = async () => {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await touchApiKeys(db, batch);
    } catch (err) {
      logger.warn({ err, keys: batch.size }, 'recording API key use failed');
    }
  };
  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();
  return {
    touch: (keyId) => {
      pending.set(keyId, new Date());
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
