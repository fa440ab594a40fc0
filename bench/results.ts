// What a bench run found, in one shape: the rows (one per scenario and process count), the
// per-operation counts of Redis commands and Postgres queries, and the reference costs. Written
// to bench/results.json (a reference run) or bench/results-<mode>.json; printed as a table;
// appended as dated rows to docs/benchmarks.md. docs and README figures are read from the JSON
// by bench/figures.ts, never typed by hand.
import { appendFileSync, writeFileSync } from 'node:fs';
import { medianRun, ratioSummary, type Measured, type RatioSummary } from './rounds.js';

export interface Row extends Partial<RatioSummary> {
  /** Unique in a run: the scenario, and `@N` when it ran under N > 1 processes. */
  id: string;
  scenario: string;
  processes: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  rss_mb: number;
  /** Keyward's CPU per operation (ms, all its processes) and the rate one core would give. */
  cpu_ms_per_op: number | null;
  per_core_rps: number | null;
  redis_cpu_us_per_op: number | null;
  baseline: string | null;
  baseline_rps: number | null;
  baseline_cpu_ms_per_op: number | null;
  baseline_per_core_rps: number | null;
  baseline_redis_cpu_us_per_op: number | null;
}

/** Per operation, counted over sequential operations through the counting proxies. */
export interface OperationCounts {
  operations: number;
  /** Commands Redis executed (INFO commandstats delta): those inside scripts and transactions too. */
  redis_commands: number;
  /** Commands sent on the wire (MULTI, EXEC and EVAL each one). */
  redis_commands_sent: number;
  /** Times the server waited for Redis: writes after Redis last answered. */
  redis_round_trips: number;
  pg_queries: number;
  pg_writes: number;
  pg_round_trips: number;
  /** Per operation, by command and record kind (`HGETALL RefreshToken`). */
  redis_by_command: Record<string, number>;
  /** Per operation, by statement. */
  pg_statements: Record<string, number>;
}

export interface ReferenceCosts {
  /** redis-benchmark on 127.0.0.1, 50 clients, no pipelining: SET and GET per second (the lower). */
  redis_ops_per_s: number | null;
  /** pgbench -S (primary-key selects) on 127.0.0.1, transactions per second. */
  pg_selects_per_s: number | null;
  /** One argon2id verification with Keyward's parameters, ms (median). */
  argon2id_ms: number | null;
}

export interface Results {
  mode: string;
  date: string;
  machine: string;
  backend: string;
  seconds_per_run: number;
  rounds: number;
  /** How long the whole run took, seconds. */
  elapsed_s: number;
  rows: Row[];
  counts: Record<string, OperationCounts>;
  reference: ReferenceCosts;
  notes: string[];
}

export const rowId = (scenario: string, processes: number) => (processes === 1 ? scenario : `${scenario}@${processes}`);
const perCore = (cpuMs: number | null | undefined) => (cpuMs ? Math.round(1000 / cpuMs) : null);

/** A row from Keyward's runs and, when it has one, its baseline's runs of the same rounds. */
export function makeRow(scenario: string, processes: number, mine: Measured[], rssMb: number, baseline?: { name: string; runs: Measured[] }): Row {
  const m = medianRun(mine);
  const b = baseline ? medianRun(baseline.runs) : undefined;
  return {
    id: rowId(scenario, processes),
    scenario,
    processes,
    rps: m.rps,
    p50_ms: m.p50_ms,
    p99_ms: m.p99_ms,
    errors: m.errors,
    rss_mb: rssMb,
    cpu_ms_per_op: m.cpu_ms_per_op ?? null,
    per_core_rps: perCore(m.cpu_ms_per_op),
    redis_cpu_us_per_op: m.redis_cpu_us_per_op ?? null,
    baseline: baseline?.name ?? null,
    baseline_rps: b?.rps ?? null,
    baseline_cpu_ms_per_op: b?.cpu_ms_per_op ?? null,
    baseline_per_core_rps: perCore(b?.cpu_ms_per_op),
    baseline_redis_cpu_us_per_op: b?.redis_cpu_us_per_op ?? null,
    ...(baseline ? ratioSummary(mine, baseline.runs) : {}),
  };
}

const spreadText = (row: Row) => (row.ratio === undefined ? '-' : `${row.ratio_min}-${row.ratio_max} (±${row.spread_pct}%${row.wide ? ', WIDE' : ''})`);

export function printResults(results: Results): void {
  console.log(`keyward bench (${results.mode}: ${results.seconds_per_run}s per run, ${results.rounds} round(s)) on ${results.machine}, ${results.backend}`);
  console.table(
    results.rows.map((r) => ({
      id: r.id,
      rps: r.rps,
      p99_ms: r.p99_ms,
      errors: r.errors,
      'cpu ms/op': r.cpu_ms_per_op,
      baseline_rps: r.baseline_rps,
      ratio: r.ratio ?? '-',
      'min-max (spread)': spreadText(r),
    })),
  );
  if (Object.keys(results.counts).length) {
    console.table(
      Object.fromEntries(
        Object.entries(results.counts).map(([name, c]) => [name, { 'redis cmds': c.redis_commands, 'sent': c.redis_commands_sent, 'round trips': c.redis_round_trips, 'pg queries': c.pg_queries, 'pg writes': c.pg_writes, 'pg round trips': c.pg_round_trips }]),
      ),
    );
    for (const [name, c] of Object.entries(results.counts)) {
      console.log(`${name}: redis ${JSON.stringify(c.redis_by_command)}; postgres ${JSON.stringify(c.pg_statements)}`);
    }
  }
  console.log(`reference: ${JSON.stringify(results.reference)}`);
  for (const note of results.notes) console.log(note);
  for (const row of results.rows.filter((r) => r.wide)) console.log(`${row.id}: the rounds spread ±${row.spread_pct}% around the median ratio (over ±10%): read it with care`);
}

export function writeResults(path: string, results: Results): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

/** Appends one dated row per scenario to docs/benchmarks.md's table of runs (its last table). */
export function appendRunRows(results: Results, file = 'docs/benchmarks.md'): void {
  const cell = (value: number | null | undefined) => (value === null || value === undefined ? '-' : String(value));
  const lines = results.rows.map((r) => {
    const counts = results.counts[r.id];
    return `| ${results.date} | ${results.mode} | ${results.machine}, ${results.backend} | ${r.processes} | ${r.scenario} | ${r.rps} | ${r.p50_ms} | ${r.p99_ms} | ${r.errors} | ${r.rss_mb} | ${cell(r.cpu_ms_per_op)} | ${cell(r.baseline_rps)} | ${cell(r.ratio)} | ${r.ratio === undefined ? '-' : `${r.ratio_min}-${r.ratio_max}${r.wide ? ' (wide)' : ''}`} | ${cell(counts?.redis_commands)} | ${cell(counts?.redis_round_trips)} | ${cell(counts?.pg_queries)} |`;
  });
  appendFileSync(file, `${lines.join('\n')}\n`);
}
