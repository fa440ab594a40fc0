// Reading option values: each helper names the flag it refuses, in a UsageError (exit 2).
import { readFileSync } from 'node:fs';
import type { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  plan: { type: 'string' },
  org: { type: 'string' },
  grant: { type: 'string', multiple: true },
  'redirect-uri': { type: 'string', multiple: true },
  scope: { type: 'string' },
  public: { type: 'boolean' },
  introspect: { type: 'boolean' },
  'auth-method': { type: 'string' },
  'jwks-file': { type: 'string' },
  grace: { type: 'string' },
  email: { type: 'string' },
  password: { type: 'string' },
  role: { type: 'string' },
  type: { type: 'string' },
  mode: { type: 'string' },
  ip: { type: 'string', multiple: true },
  'expires-in': { type: 'string' },
} as const;

export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`missing --${flag}`);
  return value;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

export function duration(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,6})([smhd])$/.exec(value);
  if (!match) throw new UsageError(`--${flag} must look like 90d, 12h, 30m or 45s`);
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}

export function seconds(value: string | undefined, flag: string): number {
  if (value === undefined) return 0;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`--${flag} must be a whole number of seconds`);
  return Number(value);
}

export function readJwks(path: string): { keys: object[] } {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { keys: object[] };
  } catch (err) {
    throw new UsageError(`--jwks-file: ${(err as Error).message.split('\n')[0]}`);
  }
}
