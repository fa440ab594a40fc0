// npm run bench:compare -- BUILD [--rounds N] [--seconds S] [--only introspect_api_key,client_credentials,client_credentials_pipeline]
// Two builds of Keyward side by side on one stack, one process each, in alternating rounds:
// BUILD (a copy of an earlier dist/, kept beside dist/ so that it finds node_modules and views)
// against the current dist/. Prints each round's ratio (current / BUILD) and their median,
// the figure to keep or drop a change by when the machine's own drift is larger than the change.
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import { existsSync } from 'node:fs';
import { prepareStack, startKeyward, type KeywardInstance } from './stack.js';
import { stopAllServers } from './children.js';
import { provision, type Fixtures } from './fixtures.js';
import { buildKeyward } from './build.js';
import { load, postForm } from './load.js';
import { alternate, median } from './rounds.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const valueOf = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const other = args[0];
if (!other || other.startsWith('--') || !existsSync(join(other, 'main.js'))) throw new Error('usage: npm run bench:compare -- BUILD (a copied dist/ holding main.js) [--rounds N] [--seconds S] [--only a,b]');
const rounds = Number(valueOf('--rounds') ?? 9);
const length = { seconds: Number(valueOf('--seconds') ?? 3), warmupSeconds: 0.5 };
const scenarios = (valueOf('--only') ?? 'introspect_api_key,client_credentials_pipeline').split(',');

type Request = (instance: KeywardInstance, fixtures: Fixtures) => Parameters<typeof load>[0];
const clientCredentials: Request = (k, f) => postForm(`${k.issuer}/oauth2/token`, 50, { authorization: f.service.authorization }, [`grant_type=client_credentials&scope=${f.scope}`]);
// The pipeline scenario sends the same requests to builds started with the fast paths off.
const REQUESTS: Record<string, Request> = {
  introspect_api_key: (k, f) => postForm(`${k.issuer}/oauth2/introspect`, 50, { authorization: f.service.authorization }, f.apiKeys.map((key) => `token=${key}`)),
  client_credentials: clientCredentials,
  client_credentials_pipeline: clientCredentials,
};

const stack = await prepareStack();
try {
  if (!stack.external) throw new Error('comparing builds needs Postgres and Redis on 127.0.0.1');
  buildKeyward();
  const entry = relative(ROOT, join(other, 'main.js'));
  let fixtures: Fixtures | undefined;
  for (const scenario of scenarios) {
    const request = REQUESTS[scenario];
    if (!request) throw new Error(`no scenario ${scenario}: ${Object.keys(REQUESTS).join(', ')}`);
    const fastPath = scenario !== 'client_credentials_pipeline';
    const current = await startKeyward(stack, { processes: 1, fastPath });
    const earlier = await startKeyward(stack, { processes: 1, fastPath, entry });
    fixtures ??= await provision((c) => stack.command(c));
    const runs = await alternate(rounds, {
      current: () => load(request(current, fixtures!), length, { serverPid: current.pid }),
      earlier: () => load(request(earlier, fixtures!), length, { serverPid: earlier.pid }),
    });
    const ratios = runs.current.map((run, i) => run.rps / runs.earlier[i]!.rps);
    const cpu = runs.current.map((run, i) => (runs.earlier[i]!.cpu_ms_per_op ?? NaN) / (run.cpu_ms_per_op ?? NaN));
    console.log(`${scenario}: current / ${other}: throughput ${median(ratios).toFixed(3)}x (rounds ${ratios.map((r) => r.toFixed(2)).join(' ')}), CPU per op ${median(cpu).toFixed(3)}x less`);
    await current.server.stop();
    await earlier.server.stop();
  }
} finally {
  await stopAllServers();
  await stack.cleanup();
}
