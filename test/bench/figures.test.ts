// The docs' figures come from bench/results.json and nowhere else (issue 18, item 5): the
// rewriting of marked figures on a fixture, and the committed README and docs held equal to
// what `npm run bench:docs` would write from the committed results.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIGURE_FILES, figureValues, markerNames, readResults, rewriteFigures } from '../../bench/figures.js';
import type { OperationCounts, Results, Row } from '../../bench/results.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function row(id: string, over: Partial<Row> = {}): Row {
  return {
    id,
    scenario: id.split('@')[0]!,
    processes: id.includes('@') ? Number(id.split('@')[1]) : 1,
    rps: 16099,
    p50_ms: 2,
    p99_ms: 6.5,
    errors: 0,
    rss_mb: 210,
    cpu_ms_per_op: 0.062,
    per_core_rps: 16129,
    redis_cpu_us_per_op: 0.4,
    baseline: 'bare oidc-provider, memory adapter',
    baseline_rps: 8244,
    baseline_cpu_ms_per_op: 0.12,
    baseline_per_core_rps: 8333,
    baseline_redis_cpu_us_per_op: null,
    ratio: 1.953,
    ratio_min: 1.9,
    ratio_max: 2.18,
    spread_pct: 11.6,
    wide: true,
    ratios: [1.9, 1.95, 2.18, 1.93, 1.96],
    ...over,
  };
}

const counts = (over: Partial<OperationCounts> = {}): OperationCounts => ({
  operations: 200,
  redis_commands: 21.5,
  redis_commands_sent: 15,
  redis_round_trips: 9,
  pg_queries: 1,
  pg_writes: 0,
  pg_round_trips: 1,
  redis_by_command: { 'HGETALL RefreshToken': 1, EVAL: 1 },
  pg_statements: { 'select * from "users" where "id" = $1': 1 },
  ...over,
});

const FIXTURE: Results = {
  mode: 'full',
  date: '2026-12-02',
  machine: '2 cores (Test CPU), Node v20.20.2',
  backend: 'Postgres + Redis',
  seconds_per_run: 8,
  rounds: 5,
  elapsed_s: 700,
  rows: [
    row('client_credentials'),
    row('client_credentials@2', { ratio: 1.801 }),
    row('verify_jwt_cached', { ratio: 45.97, ratio_min: 41.3, ratio_max: 51.35, spread_pct: 10.2 }),
    row('authorize_flow', { rps: 51.3, baseline: null, baseline_rps: null, ratio: undefined, ratio_min: undefined, ratio_max: undefined, spread_pct: undefined, wide: undefined, ratios: undefined }),
  ],
  counts: { refresh_token: counts(), bare_refresh_token: counts({ redis_commands: 9, redis_round_trips: 6, pg_queries: 0 }) },
  reference: { redis_ops_per_s: 81234.5, pg_selects_per_s: 20456, argon2id_ms: 24.8 },
  notes: [],
};

describe('figures from bench/results.json', () => {
  const figures = figureValues(FIXTURE);

  it('writes ratios with ×, rates with separators, spreads as ±%, per row and process count', () => {
    expect(figures.get('client_credentials.ratio')).toBe('1.95×');
    expect(figures.get('client_credentials@2.ratio')).toBe('1.80×');
    expect(figures.get('client_credentials.ratio_range')).toBe('1.90-2.18×');
    expect(figures.get('verify_jwt_cached.ratio')).toBe('46×');
    expect(figures.get('verify_jwt_cached.ratio_range')).toBe('41-51×');
    expect(figures.get('client_credentials.rps')).toBe('16,099');
    expect(figures.get('authorize_flow.rps')).toBe('51.3');
    expect(figures.get('client_credentials.spread_pct')).toBe('±11.6%');
    expect(figures.get('client_credentials.p99_ms')).toBe('6.5');
    expect(figures.get('counts.refresh_token.redis_commands')).toBe('21.5');
    expect(figures.get('counts.refresh_token.breakdown')).toBe('Redis: `HGETALL RefreshToken`, `EVAL`. Postgres: `select * from "users" where "id" = $1`.');
    expect(figures.get('reference.redis_ops_per_s')).toBe('81,235');
    expect(figures.get('run.summary')).toBe('the full run of 2026-12-02 (8 s per run, 5 alternating rounds; 2 cores (Test CPU), Node v20.20.2, Postgres + Redis)');
  });

  it('rewrites what is between the markers, inline and as blocks, and nothing else', () => {
    const text = 'Tokens at <!-- bench:client_credentials.ratio -->0.5×<!-- /bench --> the bare provider.\n\n<!-- bench:block.counts -->\nold table\n<!-- /bench -->\nEnd.\n';
    const { text: rewritten, missing } = rewriteFigures(text, figures);
    expect(missing).toEqual([]);
    expect(rewritten).toMatch(/^Tokens at <!-- bench:client_credentials\.ratio -->1\.95×<!-- \/bench --> the bare provider\.\n\n<!-- bench:block\.counts -->\n\| operation \|/);
    expect(rewritten).toContain('| refresh rotation | 21.5 | 15 | 9 | 1 | 0 | 1 |');
    expect(rewritten).toMatch(/\n<!-- \/bench -->\nEnd\.\n$/);
    expect(rewriteFigures(rewritten, figures).text).toBe(rewritten);
  });

  it('leaves a marker naming an unknown figure as it is, and reports it', () => {
    const text = 'x <!-- bench:client_credentials.nonsense -->7×<!-- /bench --> y';
    expect(rewriteFigures(text, figures)).toEqual({ text, missing: ['client_credentials.nonsense'] });
  });

  it('says which of issue 18 targets are met, flagging a wide spread', () => {
    const targets = figures.get('block.targets')!;
    expect(targets).toContain('| client_credentials, fast path, ≥ 1.0× the bare provider | 1.95× (rounds 1.90-2.18×) | met (wide: the rounds spread ±11.6%) |');
    expect(targets).toContain('| refresh rotation: ≤ 3 Redis round trips | 9 | not met |');
    expect(targets).toContain('| refresh_token ≥ 1.0× the bare provider on Redis | not measured | - |');
  });

  it('shows the capacity arithmetic from the measured figures', () => {
    const capacity = figures.get('block.capacity')!;
    expect(capacity).toContain('100,000 × 0.062 ms');
    expect(capacity).toMatch(/\*\*\d+ pods\*\* of 2 cores/);
    expect(capacity).toContain('redis-benchmark measured 81,235 SET/GET per second here');
  });
});

describe('the committed README and docs', () => {
  let committed: Map<string, string> | undefined;
  const figuresOf = () => (committed ??= figureValues(readResults(join(ROOT, 'bench/results.json'))));

  it.each(FIGURE_FILES)('%s marks only figures bench/results.json has', (file) => {
    const names = markerNames(readFileSync(join(ROOT, file), 'utf8'));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !figuresOf().has(name))).toEqual([]);
  });

  it.each(FIGURE_FILES)('%s holds the figures npm run bench:docs writes from bench/results.json', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect(rewriteFigures(text, figuresOf()).text).toBe(text);
  });
});
