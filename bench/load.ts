// One measured run of HTTP load (autocannon, on 127.0.0.1), with the CPU the server and Redis
// spent on it read around the run: the per-core rates of docs/capacity.md come from there.
import autocannon from 'autocannon';
import type { Redis } from 'ioredis';
import { cpuSeconds } from './children.js';
import type { Measured } from './rounds.js';

/** Where a run's CPU is read: the server's process tree, and Redis when the run uses it. */
export interface CpuProbes {
  serverPid?: number | undefined;
  redis?: Redis | undefined;
}

export interface RunLength {
  seconds: number;
  warmupSeconds: number;
}

/** CPU seconds Redis has used (INFO cpu: its main process, user + system). */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Runs `work` (which reports how many operations it completed) and adds the CPU per operation. */
export async function withCpu(probes: CpuProbes, work: () => Promise<{ measured: Measured; operations: number }>): Promise<Measured> {
  const serverBefore = probes.serverPid ? cpuSeconds(probes.serverPid) : null;
  const redisBefore = probes.redis ? await redisCpuSeconds(probes.redis) : null;
  const { measured, operations } = await work();
  const serverAfter = probes.serverPid ? cpuSeconds(probes.serverPid) : null;
  const redisAfter = probes.redis ? await redisCpuSeconds(probes.redis) : null;
  const per = (before: number | null, after: number | null, unit: number) =>
    before !== null && after !== null && operations > 0 ? Number((((after - before) * unit) / operations).toFixed(3)) : null;
  return { ...measured, cpu_ms_per_op: per(serverBefore, serverAfter, 1e3), redis_cpu_us_per_op: per(redisBefore, redisAfter, 1e6) };
}

/** A warm-up (not counted), then one measured run of `seconds`. */
export async function load(options: autocannon.Options, length: RunLength, probes: CpuProbes = {}): Promise<Measured> {
  if (length.warmupSeconds > 0) await autocannon({ ...options, duration: length.warmupSeconds });
  return measuredRun(options, length.seconds, probes);
}

/** One measured run, without a warm-up (for runs whose warm-up needs its own set-up). */
export async function measuredRun(options: autocannon.Options, seconds: number, probes: CpuProbes = {}): Promise<Measured> {
  return withCpu(probes, async () => {
    const result = await autocannon({ ...options, duration: seconds });
    return {
      measured: {
        rps: Math.round(result.requests.average),
        p50_ms: result.latency.p50,
        p99_ms: result.latency.p99,
        errors: result.errors + result.timeouts + result.non2xx,
      },
      operations: result.requests.total,
    };
  });
}

/** The same request body to every connection, or (`bodies`) the next one of a pool, round robin. */
export function postForm(url: string, connections: number, headers: Record<string, string>, bodies: readonly string[]): autocannon.Options {
  const form = { 'content-type': 'application/x-www-form-urlencoded', ...headers };
  if (bodies.length === 1) return { url, method: 'POST', connections, headers: form, body: bodies[0] };
  let next = 0;
  return {
    url,
    method: 'POST',
    connections,
    requests: [{ headers: form, setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }) }],
  };
}
