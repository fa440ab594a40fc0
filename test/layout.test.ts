// The floor plan holds: no source file past 300 lines, and no two folders of src/ that depend on
// each other both ways (README, "Layout"), so each folder can be read after the ones it uses.
// The packages stand alone: they import their own files, Node's and their declared dependencies.
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const PACKAGES = join(ROOT, 'packages');
const IMPORT = /(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'|import\('(\.{1,2}\/[^']+)'\)/g;
const ANY_IMPORT = /(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g;

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

const packageNames = readdirSync(PACKAGES, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);

describe('source layout', () => {
  const files = sourceFiles(SRC);

  it('has no source file over 300 lines, in src/ or in packages/*/src', () => {
    const all = [...files, ...packageNames.flatMap((name) => sourceFiles(join(PACKAGES, name, 'src')))];
    const long = all.map((file) => ({ file: relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length })).filter((f) => f.lines > 300);
    expect(all.length).toBeGreaterThan(files.length); // the packages were read
    expect(long).toEqual([]);
  });

  it.each(packageNames)('packages/%s imports only its own sources, Node and its declared dependencies', (name) => {
    const root = join(PACKAGES, name);
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const allowed = new Set([...builtinModules.map((m) => `node:${m}`), ...Object.keys(manifest.dependencies ?? {})]);
    const strays = sourceFiles(join(root, 'src')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(ANY_IMPORT)]
        .map((match) => match[1] ?? match[2]!)
        .filter((target) => (target.startsWith('.') ? relative(join(root, 'src'), normalize(join(dirname(file), target))).startsWith('..') : !allowed.has(target)))
        .map((target) => `${relative(root, file)} imports ${target}`),
    );
    expect(strays).toEqual([]);
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
