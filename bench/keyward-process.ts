// Keyward as the benchmark runs it: `BENCH_PROCESSES` workers under node:cluster sharing one
// port (one process when embedded: PGlite admits one).
import cluster from 'node:cluster';

const processes = Number(process.env.BENCH_PROCESSES ?? 1);
if (cluster.isPrimary && processes > 1) {
  for (let i = 0; i < processes; i++) cluster.fork();
  process.once('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
  });
} else {
  await import('../src/main.js');
}
