// Alternating rounds and what is read from them. Keyward and its baselines take turns, the
// order reversed every other round, so drift in a shared machine's load hits all sides alike;
// a ratio is the median of the per-round ratios, printed with their min-max spread (issue 18,
// item 6). Pure except for `alternate`, which only calls the runs it is given.

/** One measured run of one side. */
export interface Measured {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** Non-2xx answers, errors and timeouts. */
  errors: number;
  /** CPU the server's processes used per operation (ms), when it could be read. */
  cpu_ms_per_op?: number | null;
  /** CPU Redis used per operation (µs), when the run used Redis. */
  redis_cpu_us_per_op?: number | null;
}

/** A ratio read from rounds: the median, its min-max, and whether they spread past ±10%. */
export interface RatioSummary {
  ratio: number;
  ratio_min: number;
  ratio_max: number;
  /** The larger distance from the median to min or max, in percent of the median. */
  spread_pct: number;
  /** Wider than ±10%: the figure is not stable enough to judge a target by. */
  wide: boolean;
  ratios: number[];
}

export const WIDE_SPREAD_PCT = 10;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** Per-round ratios mine[i] / base[i], summarized. */
export function ratioSummary(mine: readonly Measured[], base: readonly Measured[]): RatioSummary {
  const ratios = mine.map((m, i) => m.rps / base[i]!.rps);
  const middle = median(ratios);
  const [min, max] = [Math.min(...ratios), Math.max(...ratios)];
  const spread = middle > 0 ? (Math.max(middle - min, max - middle) / middle) * 100 : 0;
  return {
    ratio: round(middle, 3),
    ratio_min: round(min, 3),
    ratio_max: round(max, 3),
    spread_pct: round(spread, 1),
    wide: spread > WIDE_SPREAD_PCT,
    ratios: ratios.map((r) => round(r, 3)),
  };
}

/** The median of each figure over the rounds; errors are summed. */
export function medianRun(runs: readonly Measured[]): Measured {
  const pick = (field: 'rps' | 'p50_ms' | 'p99_ms') => round(median(runs.map((r) => r[field])), 3);
  const optional = (field: 'cpu_ms_per_op' | 'redis_cpu_us_per_op') => {
    const values = runs.map((r) => r[field]).filter((v): v is number => typeof v === 'number');
    return values.length ? round(median(values), 3) : null;
  };
  return {
    rps: round(median(runs.map((r) => r.rps)), runs[0] && runs[0].rps < 100 ? 1 : 0),
    p50_ms: pick('p50_ms'),
    p99_ms: pick('p99_ms'),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    cpu_ms_per_op: optional('cpu_ms_per_op'),
    redis_cpu_us_per_op: optional('redis_cpu_us_per_op'),
  };
}

/**
 * Runs each side once per round, in the given order on even rounds and reversed on odd ones,
 * and returns every side's runs in round order.
 */
export async function alternate<Side extends string>(rounds: number, sides: Record<Side, () => Promise<Measured>>): Promise<Record<Side, Measured[]>> {
  const names = Object.keys(sides) as Side[];
  const runs = Object.fromEntries(names.map((name) => [name, [] as Measured[]])) as Record<Side, Measured[]>;
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 ? [...names].reverse() : names) runs[name].push(await sides[name]());
  }
  return runs;
}
