// The floor plan holds: no source file past 300 lines, and no two folders of src/ that depend on
// each other both ways (README, "Layout"), so each folder can be read after the ones it uses.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const IMPORT = /(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'|import\('(\.{1,2}\/[^']+)'\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The top-level folder of src/ a file is in ('.' for the entry points at the root). */
const folderOf = (file: string) => {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0]! : '.';
};

describe('source layout', () => {
  const files = sourceFiles(SRC);

  it('has no source file over 300 lines', () => {
    const long = files.map((file) => ({ file: relative(SRC, file), lines: readFileSync(file, 'utf8').split('\n').length })).filter((f) => f.lines > 300);
    expect(long).toEqual([]);
  });

  it('has no two folders that import each other', () => {
    const edges = new Map<string, Set<string>>();
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const target = normalize(join(dirname(file), match[1] ?? match[2]!));
        const [from, to] = [folderOf(file), folderOf(target)];
        if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    const twoWay = [...edges].flatMap(([from, targets]) => [...targets].filter((to) => from < to && edges.get(to)?.has(from)).map((to) => `${from} <-> ${to}`));
    expect(edges.size).toBeGreaterThan(10); // the imports were read
    expect(twoWay).toEqual([]);
  });

  it('keeps only entry points at the root of src/', () => {
    expect(files.filter((file) => folderOf(file) === '.').map((file) => relative(SRC, file))).toEqual(['main.ts']);
  });
});
