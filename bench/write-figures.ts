// npm run bench:docs [-- RESULTS.json]: rewrites the marked figures of README.md and docs/ from
// bench/results.json (or the file given), as bench/figures.ts describes.
import { applyFigures } from './figures.js';

const resultsPath = process.argv[2] ?? 'bench/results.json';
try {
  const changed = applyFigures(resultsPath);
  console.log(changed.length ? `figures from ${resultsPath} written to ${changed.join(', ')}` : `figures already match ${resultsPath}`);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
}
