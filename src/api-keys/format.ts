// API key format: <type>_<mode>_<secret><check>
//   type   label of secret / publishable / restricted (default sk, pk, rk)
//   mode   label of live / test (default live, test)
//   secret 43 base62 characters: 256 random bits
//   check  CRC32 of everything before it, 6 base62 characters
// The checksum lets Keyward refuse a mistyped or made-up key before any lookup, and lets secret
// scanners tell a real leaked key from noise (GitHub's token format does the same).
import { crc32 } from 'node:zlib';
import type { ApiKeyMode, ApiKeyType } from '../db/schema.js';
import { randomBase62 } from '../crypto/random.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_LENGTH = 43;
const CHECK_LENGTH = 6;

export interface KeyLabels {
  type: Record<ApiKeyType, string>;
  mode: Record<ApiKeyMode, string>;
}

function base62Fixed(value: number, width: number): string {
  let out = '';
  let n = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function checksum(body: string): string {
  return base62Fixed(crc32(body), CHECK_LENGTH);
}

export interface GeneratedKey {
  key: string;
  /** `<type>_<mode>_` plus the secret's first 4 characters: safe to show and log. */
  prefix: string;
  last4: string;
}

export function generateApiKey(labels: KeyLabels, type: ApiKeyType, mode: ApiKeyMode): GeneratedKey {
  const head = `${labels.type[type]}_${labels.mode[mode]}_`;
  const body = head + randomBase62(SECRET_LENGTH);
  const key = body + checksum(body);
  return { key, prefix: key.slice(0, head.length + 4), last4: key.slice(-4) };
}

export type ParsedKey = { ok: true; type: ApiKeyType; mode: ApiKeyMode } | { ok: false };

const SHAPE = /^([a-z][a-z0-9]{1,7})_([a-z][a-z0-9]{1,7})_([0-9A-Za-z]{49})$/;

/** Whether `candidate` has a key's shape; its labels and checksum are not checked. */
export function hasApiKeyShape(candidate: string): boolean {
  return candidate.length <= 80 && SHAPE.test(candidate);
}

/** Shape and checksum only: no lookup, constant work for any input up to a few hundred bytes. */
export function parseApiKey(candidate: string, labels: KeyLabels): ParsedKey {
  if (candidate.length > 80) return { ok: false };
  const match = SHAPE.exec(candidate);
  if (!match) return { ok: false };
  const type = (Object.keys(labels.type) as ApiKeyType[]).find((t) => labels.type[t] === match[1]);
  const mode = (Object.keys(labels.mode) as ApiKeyMode[]).find((m) => labels.mode[m] === match[2]);
  if (!type || !mode) return { ok: false };
  const body = candidate.slice(0, candidate.length - CHECK_LENGTH);
  if (checksum(body) !== candidate.slice(-CHECK_LENGTH)) return { ok: false };
  return { ok: true, type, mode };
}

/** A regular expression matching issued keys, for secret scanners. */
export function keyPattern(labels: KeyLabels): RegExp {
  const alt = (values: string[]) => values.join('|');
  return new RegExp(`\\b(?:${alt(Object.values(labels.type))})_(?:${alt(Object.values(labels.mode))})_[0-9A-Za-z]{49}\\b`);
}
