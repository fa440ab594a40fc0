// docs/capacity.md's model, computed from bench/results.json with the arithmetic written out:
// what serves issue 18's load (100,000 client-credentials tokens/s, 20,000 introspections/s,
// 5,000 refreshes/s, 100 sign-ins/s) in Keyward cores and pods, Redis shards and Postgres
// queries, writes and connections, and which of them saturates first. The planning constants
// are stated here and printed in the block; every other number is a measured one.
import { formatNumber, formatRate } from './figure-format.js';
import type { Results } from './results.js';

/** The load to serve, per second, by the bench scenario that measures it. */
export const TARGET_LOAD: ReadonlyArray<{ scenario: string; label: string; perSecond: number }> = [
  { scenario: 'client_credentials', label: 'client-credentials tokens', perSecond: 100_000 },
  { scenario: 'introspect_api_key', label: 'API-key introspections', perSecond: 20_000 },
  { scenario: 'refresh_token', label: 'refresh rotations', perSecond: 5_000 },
  { scenario: 'authorize_flow', label: 'sign-ins', perSecond: 100 },
];

export const PLANNING = {
  /** Keyward pods are sized to run at this share of their CPU. */
  cpuUtilization: 0.6,
  /** One Keyward process per core (node:cluster, or one container per core). */
  coresPerPod: 2,
  /** A Redis shard is planned at this share of what redis-benchmark measured. */
  redisHeadroom: 0.5,
  /** pg.Pool's max per Keyward process (src/db/connect.ts). */
  poolPerProcess: 10,
  /** API keys in use; each process reads a key in use again once per 10 s (HIT_TTL_MS, src/api-keys/verifier.ts)... */
  activeKeys: 1000,
  keyCacheSeconds: 10,
  /** ...gathering the keys due within 500 ms into one query (REREAD_DELAY_MS): at most two a second. */
  keyRereadQueriesPerSecond: 2,
  /** Each process writes the keys' last use in one statement per 10 s (src/api-keys/last-used.ts). */
  lastUsedFlushSeconds: 10,
} as const;

interface Line {
  label: string;
  perSecond: number;
  cpuMs: number | null;
  redisCommands: number | null;
  redisRoundTrips: number | null;
  redisCpuUs: number | null;
  pgQueries: number | null;
  pgWrites: number | null;
}

const n = (value: number | null | undefined, digits = 2) => (value === null || value === undefined ? 'n/a' : formatNumber(value, digits));
const sum = (lines: Line[], pick: (l: Line) => number | null) => lines.reduce((total, l) => total + l.perSecond * (pick(l) ?? 0), 0);

function lines(results: Results): Line[] {
  return TARGET_LOAD.map(({ scenario, label, perSecond }) => {
    const row = results.rows.find((r) => r.id === scenario);
    const counts = results.counts[scenario];
    return {
      label,
      perSecond,
      cpuMs: row?.cpu_ms_per_op ?? null,
      redisCommands: counts?.redis_commands ?? null,
      redisRoundTrips: counts?.redis_round_trips ?? null,
      redisCpuUs: row?.redis_cpu_us_per_op ?? null,
      pgQueries: counts?.pg_queries ?? null,
      pgWrites: counts?.pg_writes ?? null,
    };
  });
}

/** The measured inputs, one row per kind of operation. */
function inputsTable(all: Line[], results: Results): string {
  const rows = all.map((l) => {
    const row = results.rows.find((r) => r.id === TARGET_LOAD.find((t) => t.label === l.label)!.scenario);
    return `| ${l.label} | ${formatRate(l.perSecond)} | ${n(l.cpuMs, 3)} | ${row?.per_core_rps ? formatRate(row.per_core_rps) : 'n/a'} | ${n(l.redisCommands)} | ${n(l.redisRoundTrips)} | ${n(l.redisCpuUs, 1)} | ${n(l.pgQueries)} | ${n(l.pgWrites)} |`;
  });
  return [
    '| operation | target /s | Keyward CPU ms/op | per core /s | Redis commands/op | Redis round trips/op | Redis CPU µs/op | Postgres queries/op | Postgres writes/op |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function capacityBlock(results: Results): string {
  const all = lines(results);
  const p = PLANNING;
  const out: string[] = [];
  const ref = results.reference;
  out.push(`Measured by the ${results.mode} run of ${results.date} (${results.machine}, ${results.backend}; Keyward under one process per row).`, '', inputsTable(all, results), '');

  // Keyward: CPU is what its processes spend; pods add cores linearly (no shared state in-process).
  const coreTerms = all.map((l) => `${formatRate(l.perSecond)} × ${n(l.cpuMs, 3)} ms`);
  const cores = sum(all, (l) => l.cpuMs) / 1000;
  const pods = Math.ceil(cores / p.cpuUtilization / p.coresPerPod);
  out.push(
    `**Keyward.** CPU: ${coreTerms.join(' + ')} = **${n(cores, 1)} cores** busy. At ${p.cpuUtilization * 100}% utilization: ${n(cores, 1)} / ${p.cpuUtilization} = ${n(cores / p.cpuUtilization, 1)} cores, **${pods} pods** of ${p.coresPerPod} cores (${pods * p.coresPerPod} processes).`,
    '',
  );

  // Redis: commands per second against a shard's measured rate, cross-checked by Redis's own CPU per operation.
  const commands = sum(all, (l) => l.redisCommands);
  const roundTrips = sum(all, (l) => l.redisRoundTrips);
  const redisCpu = sum(all, (l) => l.redisCpuUs) / 1e6;
  const shardRate = ref.redis_ops_per_s === null ? null : ref.redis_ops_per_s * p.redisHeadroom;
  const shardsByCommands = shardRate ? Math.ceil(commands / shardRate) : null;
  const shardsByCpu = Math.ceil(redisCpu / p.redisHeadroom);
  const shards = Math.max(shardsByCommands ?? 0, shardsByCpu, 1);
  out.push(
    `**Redis.** Commands: ${all.map((l) => `${formatRate(l.perSecond)} × ${n(l.redisCommands)}`).join(' + ')} = **${formatRate(commands)} commands/s** (${formatRate(roundTrips)} round trips/s). ` +
      `One shard: redis-benchmark measured ${ref.redis_ops_per_s === null ? 'n/a' : formatRate(ref.redis_ops_per_s)} SET/GET per second here; planned at ${p.redisHeadroom * 100}%: ${shardRate === null ? 'n/a' : formatRate(shardRate)}/s, so ${shardsByCommands ?? 'n/a'} shard(s) by commands. ` +
      `Redis's own CPU under the bench's load: ${all.map((l) => `${formatRate(l.perSecond)} × ${n(l.redisCpuUs, 1)} µs`).join(' + ')} = ${n(redisCpu, 2)} CPU-seconds/s, so ${shardsByCpu} shard(s) at ${p.redisHeadroom * 100}%. **${shards} shard(s)**${shards > 1 ? ' of a Redis Cluster' : ''}.`,
    '',
  );

  // Postgres: queries and writes per second, key-cache reloads, connections.
  const processes = pods * p.coresPerPod;
  const keyReloads = processes * Math.min(p.activeKeys / p.keyCacheSeconds, p.keyRereadQueriesPerSecond);
  const queries = sum(all, (l) => l.pgQueries) + keyReloads;
  const lastUsedWrites = processes / p.lastUsedFlushSeconds;
  const writes = sum(all, (l) => l.pgWrites) + lastUsedWrites;
  const connections = processes * p.poolPerProcess;
  const pgShare = ref.pg_selects_per_s ? queries / ref.pg_selects_per_s : null;
  out.push(
    `**Postgres.** Queries: ${all.map((l) => `${formatRate(l.perSecond)} × ${n(l.pgQueries)}`).join(' + ')} + API-key cache re-reads (${processes} processes × at most ${p.keyRereadQueriesPerSecond} batched queries/s for ${formatRate(p.activeKeys)} keys in use = ${formatRate(keyReloads)}/s) = **${formatRate(queries)} queries/s**, of them **${formatRate(writes)} writes/s** (${all.map((l) => `${formatRate(l.perSecond)} × ${n(l.pgWrites)}`).join(' + ')} + the keys' last use, ${processes} processes / ${p.lastUsedFlushSeconds} s). ` +
      `pgbench -S measured ${ref.pg_selects_per_s === null ? 'n/a' : formatRate(ref.pg_selects_per_s)} primary-key selects/s on this machine${pgShare === null ? '' : `: the load is ${n(pgShare * 100, 0)}% of that`}. ` +
      `Connections: ${processes} processes × ${p.poolPerProcess} = **${formatRate(connections)}** at most (Postgres's default max_connections is 100).`,
    '',
  );

  // Which saturates first as the same mix grows: each resource's room, deployed as above.
  const room: Array<[string, number | null]> = [
    [`Keyward (${pods} pods)`, cores > 0 ? (processes * 1) / cores : null],
    [`Redis (${shards} shard(s) at the measured rate)`, commands > 0 && ref.redis_ops_per_s ? (shards * ref.redis_ops_per_s) / commands : null],
    ['Postgres (one server like this machine)', pgShare ? 1 / pgShare : null],
  ];
  const ranked = room.filter((r): r is [string, number] => r[1] !== null).sort((a, b) => a[1] - b[1]);
  out.push(
    `**Saturates first.** Deployed as above, the same mix can grow by ${ranked.map(([name, x]) => `×${n(x, 1)} before ${name} is full`).join(', ')}: ` +
      (ranked[0] ? `**${ranked[0][0].split(' (')[0]}** saturates first${ranked[1] ? `, then ${ranked[1][0].split(' (')[0]}` : ''}.` : 'not measured.'),
  );
  return out.join('\n');
}
