// Figures are never typed by hand (issue 18, item 5). README.md and docs/*.md mark each
// measured figure, inline or as a generated block:
//   <!-- bench:client_credentials.ratio -->1.95×<!-- /bench -->
//   <!-- bench:block.targets -->
//   ...a table...
//   <!-- /bench -->
// and this module rewrites what is between the markers from bench/results.json. A marker names
// a row's field (`<row id>.<field>`, plus `.ratio_range`), a count (`counts.<operation>.<field>`,
// plus `.breakdown`), a reference cost (`reference.<field>`), the run (`run.<field>`,
// `run.summary`) or a block (`block.latest`, `block.counts`, `block.targets`, `block.capacity`).
// `npm run bench:docs` runs it (bench/write-figures.ts); a full bench run runs it at its end;
// test/bench/figures.test.ts holds the committed docs equal to what it would write.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capacityBlock } from './capacity-model.js';
import { breakdown, countsTable, latestRowsTable, targetsTable } from './figure-blocks.js';
import { formatField, formatNumber, formatRatioRange } from './figure-format.js';
import type { Results } from './results.js';

/** The files whose figures come from bench/results.json. */
export const FIGURE_FILES = ['README.md', 'docs/benchmarks.md', 'docs/capacity.md'] as const;

const MARKER = /<!-- bench:([\w.@-]+) -->([\s\S]*?)<!-- \/bench -->/g;

/** One line saying which run the figures are from. */
function runSummary(results: Results): string {
  return `the ${results.mode} run of ${results.date} (${results.seconds_per_run} s per run, ${results.rounds} alternating rounds; ${results.machine}, ${results.backend})`;
}

/** Every figure a marker may name, written as prose writes it. */
export function figureValues(results: Results): Map<string, string> {
  const figures = new Map<string, string>();
  for (const field of ['date', 'mode', 'machine', 'backend', 'seconds_per_run', 'rounds', 'elapsed_s'] as const) figures.set(`run.${field}`, String(results[field]));
  figures.set('run.summary', runSummary(results));
  for (const row of results.rows) {
    for (const [field, value] of Object.entries(row)) {
      if (['number', 'string', 'boolean'].includes(typeof value) || value === null) figures.set(`${row.id}.${field}`, formatField(field, value));
    }
    if (row.ratio_min !== undefined && row.ratio_max !== undefined) figures.set(`${row.id}.ratio_range`, formatRatioRange(row.ratio_min, row.ratio_max));
  }
  for (const [operation, counts] of Object.entries(results.counts)) {
    for (const [field, value] of Object.entries(counts)) if (typeof value === 'number') figures.set(`counts.${operation}.${field}`, formatNumber(value));
    figures.set(`counts.${operation}.breakdown`, breakdown(counts));
  }
  for (const [field, value] of Object.entries(results.reference)) figures.set(`reference.${field}`, formatField(field, value));
  figures.set('block.latest', latestRowsTable(results));
  figures.set('block.counts', countsTable(results));
  figures.set('block.targets', targetsTable(results));
  figures.set('block.capacity', capacityBlock(results));
  return figures;
}

/** The names the markers of `text` use, in order. */
export function markerNames(text: string): string[] {
  return [...text.matchAll(MARKER)].map((m) => m[1]!);
}

/** `text` with every marker's content rewritten; `missing` lists names no figure answers (left as they were). */
export function rewriteFigures(text: string, figures: ReadonlyMap<string, string>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const rewritten = text.replace(MARKER, (whole, name: string) => {
    const value = figures.get(name);
    if (value === undefined) {
      missing.push(name);
      return whole;
    }
    // A block stands on lines of its own, so Markdown sees its table.
    const content = name.startsWith('block.') ? `\n${value}\n` : value;
    return `<!-- bench:${name} -->${content}<!-- /bench -->`;
  });
  return { text: rewritten, missing };
}

export function readResults(path: string): Results {
  return JSON.parse(readFileSync(path, 'utf8')) as Results;
}

/**
 * Rewrites the figure files under `root` from the results at `resultsPath`. Returns the files
 * it changed; throws, changing nothing, when a marker names a figure the results do not have.
 */
export function applyFigures(resultsPath: string, root = '.'): string[] {
  const figures = figureValues(readResults(resultsPath));
  const rewrites = FIGURE_FILES.map((file) => {
    const before = readFileSync(join(root, file), 'utf8');
    return { file, before, ...rewriteFigures(before, figures) };
  });
  const missing = rewrites.flatMap((r) => r.missing.map((name) => `${r.file}: ${name}`));
  if (missing.length) throw new Error(`markers name figures ${resultsPath} does not have:\n${missing.join('\n')}`);
  const changed = rewrites.filter((r) => r.text !== r.before);
  for (const r of changed) writeFileSync(join(root, r.file), r.text);
  return changed.map((r) => r.file);
}
