// The bench is read like the source: small files with one owner each, none past 300 lines.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

it('has no bench file over 300 lines', () => {
  const files = sourceFiles(join(ROOT, 'bench'));
  const long = files.map((file) => ({ file: relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length })).filter((f) => f.lines > 300);
  expect(files.length).toBeGreaterThan(10);
  expect(long).toEqual([]);
});
