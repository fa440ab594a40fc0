// The generated tables of docs/benchmarks.md, from bench/results.json: the run's rows, the
// per-operation counts, and issue 18's targets with where Keyward stands. Pure functions of
// the results; bench/figures.ts puts them between their markers.
import { formatField, formatNumber, formatRatio, formatRatioRange } from './figure-format.js';
import type { OperationCounts, Results, Row } from './results.js';

const table = (header: string[], lines: string[][]) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');

const rangeOf = (row: Row) => (row.ratio_min === undefined || row.ratio_max === undefined ? '-' : `${formatRatioRange(row.ratio_min, row.ratio_max)}${row.wide ? ` (**wide**, ±${formatNumber(row.spread_pct ?? 0, 1)}%)` : ''}`);

/** Every row of the run: rates, the median ratio and its rounds' spread, latency, CPU per operation. */
export function latestRowsTable(results: Results): string {
  return table(
    ['scenario', 'processes', 'Keyward /s', 'baseline', 'baseline /s', `ratio (median of ${results.rounds})`, 'rounds min-max', 'p99 ms', 'Keyward CPU ms/op'],
    results.rows.map((r) => [
      r.scenario,
      String(r.processes),
      formatField('rps', r.rps),
      r.baseline ?? 'none',
      r.baseline_rps === null ? '-' : formatField('rps', r.baseline_rps),
      r.ratio === undefined ? '-' : formatRatio(r.ratio),
      rangeOf(r),
      formatNumber(r.p99_ms),
      formatField('cpu_ms_per_op', r.cpu_ms_per_op),
    ]),
  );
}

const COUNTED: Array<[string, string]> = [
  ['client_credentials', 'client credentials, fast path'],
  ['client_credentials_pipeline', "client credentials, oidc-provider's pipeline"],
  ['bare_client_credentials', 'client credentials, bare oidc-provider'],
  ['refresh_token', 'refresh rotation'],
  ['bare_refresh_token', 'refresh rotation, bare oidc-provider on plain ioredis'],
  ['introspect_api_key', 'API-key introspection (cache warm)'],
  ['authorize_flow', 'sign-in (authorize, login, consent, code exchange)'],
];

/** Redis commands and round trips, Postgres queries per operation. */
export function countsTable(results: Results): string {
  const present = COUNTED.filter(([id]) => results.counts[id]);
  return table(
    ['operation', 'Redis commands executed', 'sent', 'Redis round trips', 'Postgres queries', 'of them writes', 'Postgres round trips'],
    present.map(([id, label]) => {
      const c = results.counts[id]!;
      return [label, c.redis_commands, c.redis_commands_sent, c.redis_round_trips, c.pg_queries, c.pg_writes, c.pg_round_trips].map((v) => (typeof v === 'number' ? formatNumber(v) : v));
    }),
  );
}

/** What one operation sends, by command and by statement. */
export function breakdown(counts: OperationCounts | undefined): string {
  if (!counts) return 'n/a';
  const list = (by: Record<string, number>) => Object.entries(by).map(([label, n]) => `${n === 1 ? '' : `${formatNumber(n)} × `}\`${label}\``).join(', ') || 'none';
  return `Redis: ${list(counts.redis_by_command)}. Postgres: ${list(counts.pg_statements)}.`;
}

interface Target {
  label: string;
  /** `row.field` or `counts.op.field`. */
  figure: string;
  at: 'least' | 'most';
  value: number;
}

// Issue 18's targets. The later server work is judged against them; the bench only measures.
const TARGETS: Target[] = [
  { label: 'client_credentials, fast path, ≥ 1.0× the bare provider', figure: 'client_credentials.ratio', at: 'least', value: 1.0 },
  { label: "client_credentials, oidc-provider's pipeline (fast paths off), ≥ 0.9×", figure: 'client_credentials_pipeline.ratio', at: 'least', value: 0.9 },
  { label: 'refresh_token ≥ 1.0× the bare provider on Redis', figure: 'refresh_token.ratio', at: 'least', value: 1.0 },
  { label: 'refresh rotation: ≤ 3 Redis round trips', figure: 'counts.refresh_token.redis_round_trips', at: 'most', value: 3 },
  { label: 'refresh rotation: no Postgres query', figure: 'counts.refresh_token.pg_queries', at: 'most', value: 0 },
  { label: 'introspect_api_key (1,000 keys) ≥ 0.65× the bare HMAC check', figure: 'introspect_api_key.ratio', at: 'least', value: 0.65 },
  { label: 'verify_jwt uncached ≥ 0.9× bare jose', figure: 'verify_jwt_uncached.ratio', at: 'least', value: 0.9 },
  { label: 'verify_jwt cached ≥ 20× bare jose', figure: 'verify_jwt_cached.ratio', at: 'least', value: 20 },
  { label: 'client_credentials p99 ≤ 50 ms', figure: 'client_credentials.p99_ms', at: 'most', value: 50 },
  { label: 'refresh_token p99 ≤ 50 ms', figure: 'refresh_token.p99_ms', at: 'most', value: 50 },
  { label: 'introspect_api_key p99 ≤ 50 ms', figure: 'introspect_api_key.p99_ms', at: 'most', value: 50 },
];

function targetFigure(results: Results, figure: string): { value: number; row?: Row } | undefined {
  const parts = figure.split('.');
  if (parts[0] === 'counts') {
    const value = results.counts[parts[1]!]?.[parts[2] as keyof OperationCounts];
    return typeof value === 'number' ? { value } : undefined;
  }
  const row = results.rows.find((r) => r.id === parts[0]);
  const value = row?.[parts[1] as keyof Row];
  return typeof value === 'number' && row ? { value, row } : undefined;
}

/** Issue 18's targets: measured, and met or not (a ratio whose rounds spread past ±10% says so). */
export function targetsTable(results: Results): string {
  return table(
    ['target', 'measured', ''],
    TARGETS.map((t) => {
      const found = targetFigure(results, t.figure);
      if (!found) return [t.label, 'not measured', '-'];
      const field = t.figure.split('.').at(-1)!;
      const met = t.at === 'least' ? found.value >= t.value : found.value <= t.value;
      const spread = found.row && field === 'ratio' && found.row.ratio_min !== undefined ? ` (rounds ${formatRatioRange(found.row.ratio_min, found.row.ratio_max!)})` : '';
      const verdict = met ? 'met' : 'not met';
      return [t.label, `${formatField(field, found.value)}${spread}`, found.row?.wide && field === 'ratio' ? `${verdict} (wide: the rounds spread ±${formatNumber(found.row.spread_pct ?? 0, 1)}%)` : verdict];
    }),
  );
}
