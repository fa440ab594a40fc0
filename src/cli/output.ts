// Human output: a list as a table, an object as `field: value` lines. --json prints the result
// as it is instead.
import type { CommandResult } from '../operator/commands.js';

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(cell).join(' ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function table(rows: Array<Record<string, unknown>>): string {
  if (rows.length === 0) return '(none)\n';
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => `${values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join('  ')}\n`;
  return line(columns.map((c) => c.toUpperCase())) + cells.map(line).join('');
}

export function humanOutput(result: CommandResult): string {
  const rows = result.data;
  if (Array.isArray(rows)) return table(rows as Array<Record<string, unknown>>);
  return Object.entries(result)
    .map(([field, value]) => `${field}: ${cell(value)}\n`)
    .join('');
}
