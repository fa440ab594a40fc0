// Every replica follows the signing-key state in Postgres: it re-reads the keys every few
// seconds and, when the published set or the signing key changes (a rotation, or a pending key
// reaching its start time), builds a new key set and hands it over. oidc-provider builds its
// JWKS once per instance, so the caller swaps in a new Provider.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import { buildKeySet, signingKids, type KeySet } from './key-set.js';
import { loadSigningKeys, type SigningKey } from './repository.js';

const RELOAD_INTERVAL_MS = 5_000;

function fingerprint(keys: SigningKey[], now: Date): string {
  const signing = signingKids(keys, now);
  return keys
    .map((k) => `${k.kid}:${signing.has(k.kid) ? 'sign' : 'verify'}`)
    .sort()
    .join(',');
}

export interface KeyReloader {
  /** Checks now (also runs on its own every few seconds). */
  reload(): Promise<void>;
  stop(): void;
}

export function startKeyReloader(deps: {
  db: Kysely<Database>;
  sealingKey: Buffer;
  publishRetiredFor: number;
  initial: SigningKey[];
  onChange: (keySet: KeySet) => void;
  logger: Logger;
  intervalMs?: number;
  /** Rotates first when the newest key is older than its period (SIGNING_KEY_ROTATION_DAYS). */
  rotateIfDue?: () => Promise<boolean>;
}): KeyReloader {
  let current = fingerprint(deps.initial, new Date());
  const reload = async () => {
    if (deps.rotateIfDue && (await deps.rotateIfDue())) deps.logger.info('signing keys rotated automatically');
    const keys = await loadSigningKeys(deps.db, deps.sealingKey, deps.publishRetiredFor);
    const now = new Date();
    const next = fingerprint(keys, now);
    if (next === current) return;
    current = next;
    deps.onChange(buildKeySet(keys, now));
    deps.logger.info({ kids: keys.map((k) => k.kid) }, 'signing keys changed');
  };
  const timer = setInterval(() => {
    reload().catch((err: unknown) => deps.logger.warn({ err }, 'reloading signing keys failed'));
  }, deps.intervalMs ?? RELOAD_INTERVAL_MS);
  timer.unref();
  return { reload, stop: () => clearInterval(timer) };
}
