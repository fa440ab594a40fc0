// How a figure from bench/results.json is written in prose: ratios with ×, rates with
// thousands separators, spreads as ±%. One place, so README, docs and generated tables agree.

const RATES = new Set(['rps', 'baseline_rps', 'per_core_rps', 'baseline_per_core_rps', 'redis_ops_per_s', 'pg_selects_per_s']);
const RATIOS = new Set(['ratio', 'ratio_min', 'ratio_max']);

/** A number with thousands separators and at most `digits` decimals (trailing zeros dropped). */
export function formatNumber(value: number, digits = 2): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** 0.57× or, from 10 up, 46×. */
export function formatRatio(value: number): string {
  return `${bareRatio(value)}×`;
}

const bareRatio = (value: number) => (value >= 10 ? String(Math.round(value)) : value.toFixed(2));

/** A rate per second: whole numbers from 100 up, one decimal below. */
export function formatRate(value: number): string {
  return formatNumber(value, value >= 100 ? 0 : 1);
}

/** A figure by the name of its field; null and undefined read "n/a". */
export function formatField(field: string, value: unknown): string {
  if (value === null || value === undefined) return 'n/a';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value !== 'number') return String(value);
  if (RATIOS.has(field)) return formatRatio(value);
  if (RATES.has(field)) return formatRate(value);
  if (field === 'spread_pct') return `±${formatNumber(value, 1)}%`;
  if (field.endsWith('ms_per_op')) return formatNumber(value, 3);
  return formatNumber(value);
}

/** The rounds' min-max of a ratio: 0.55-0.61×. */
export function formatRatioRange(min: number, max: number): string {
  return `${bareRatio(min)}-${bareRatio(max)}×`;
}
