// What the capacity model divides by, measured on this machine: what one Redis serves
// (redis-benchmark, 50 clients, no pipelining, on keys under the bench's prefix), what Postgres
// serves for primary-key selects (pgbench -S on a scratch database), and one argon2id check with
// Keyward's parameters. A tool that is not installed gives null, and the model says so.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hashPassword, verifyPassword } from '../src/users/password.js';
import { median } from './rounds.js';
import type { ReferenceCosts } from './results.js';
import { createScratchDatabase } from './scratch.js';

const run = promisify(execFile);

async function redisOpsPerSecond(redisUrl: string, prefix: string, requests: number): Promise<number | null> {
  const { hostname, port } = new URL(redisUrl);
  const rate = async (...command: string[]) => {
    const { stdout } = await run('redis-benchmark', ['-h', hostname, '-p', port || '6379', '-c', '50', '-n', String(requests), '-r', '10000', '-q', ...command]);
    return Number(/([\d.]+) requests per second/.exec(stdout)?.[1] ?? NaN);
  };
  try {
    const key = `${prefix}redis-benchmark:__rand_int__`;
    const rates = [await rate('SET', key, 'x'.repeat(64)), await rate('GET', key)];
    return rates.every(Number.isFinite) ? Math.round(Math.min(...rates)) : null;
  } catch {
    return null;
  }
}

async function pgSelectsPerSecond(adminUrl: string, seconds: number): Promise<number | null> {
  const scratch = await createScratchDatabase(adminUrl, 'pgbench');
  try {
    await run('pgbench', ['-i', '-s', '1', '-q', scratch.url]);
    const { stdout } = await run('pgbench', ['-S', '-n', '-c', '8', '-j', '2', '-T', String(seconds), scratch.url]);
    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? NaN);
    return Number.isFinite(tps) ? Math.round(tps) : null;
  } catch {
    return null;
  } finally {
    await scratch.drop();
  }
}

async function argon2idMs(checks: number): Promise<number> {
  const stored = await hashPassword('reference password 1');
  await verifyPassword(stored, 'reference password 1');
  const times: number[] = [];
  for (let i = 0; i < checks; i++) {
    const started = performance.now();
    await verifyPassword(stored, 'reference password 1');
    times.push(performance.now() - started);
  }
  return Number(median(times).toFixed(1));
}

export interface ReferencePlan {
  redisUrl: string;
  adminUrl: string;
  prefix: string;
  /** Requests per redis-benchmark command, seconds of pgbench, argon2id checks. */
  redisRequests: number;
  pgSeconds: number;
  argon2Checks: number;
}

export async function measureReferenceCosts(plan: ReferencePlan): Promise<ReferenceCosts> {
  return {
    redis_ops_per_s: await redisOpsPerSecond(plan.redisUrl, plan.prefix, plan.redisRequests),
    pg_selects_per_s: await pgSelectsPerSecond(plan.adminUrl, plan.pgSeconds),
    argon2id_ms: await argon2idMs(plan.argon2Checks),
  };
}
