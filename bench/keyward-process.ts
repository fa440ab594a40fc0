// Keyward as the bench and the soak run it under more than one process: the production build
// (dist/, as the Dockerfile runs it; tsx's transpiled source measured 15-20% slower) under
// BENCH_PROCESSES node:cluster workers sharing one port. One process runs dist/main.js alone
// (stack.ts).
import cluster from 'node:cluster';
import { profilerArguments } from './children.js';

const processes = Math.max(1, Number(process.env.BENCH_PROCESSES ?? 1));
const profileDir = process.env.BENCH_CPU_PROF;
cluster.setupPrimary({ exec: 'dist/main.js', execArgv: profilerArguments(profileDir) });
for (let i = 0; i < processes; i++) cluster.fork();
process.once('SIGTERM', () => {
  for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
});
