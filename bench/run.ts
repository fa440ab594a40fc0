// npm run bench [-- --quick | --smoke] [--processes N]
// Keyward's hot paths side by side with a baseline in the same run, on 127.0.0.1 only. Prints a
// table, writes bench/results.json, appends dated rows to docs/benchmarks.md, and exits
// non-zero when any scenario had a non-2xx answer or an error.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { buildRegistryServices } from '../src/registry-services.js';
import { runCommand, type Command } from '../src/cli/commands.js';
import { sendControlCommand } from '../src/control/client.js';
import { benchVerifyJwt } from './verify.js';
import { createScratchDatabase, deleteKeysWithPrefix } from './scratch.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const quick = args.includes('--quick');
const processesArg = args.indexOf('--processes');
const DURATION = smoke ? 1 : quick ? 5 : 10;
const WARMUP = smoke ? 0.5 : 2;
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<unknown> | void> = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts a server script; ready when it prints `ready`, or when `ready` (a URL) answers 200. */
async function start(script: string, env: Record<string, string>, ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const isReady = async () => {
    if (!ready.startsWith('http')) return out.includes(ready);
    return fetch(ready).then((r) => r.ok, () => false);
  };
  for (let i = 0; i < 1200 && !(await isReady()); i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!(await isReady())) throw new Error(`${script} did not start:\n${out}`);
  return child;
}

/** Peak resident set (VmHWM) of a process and its direct children, in MB. */
function peakRssMb(pid: number): number {
  const read = (p: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
  let total = 0;
  try {
    total += read(pid);
    for (const entry of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean)) total += read(Number(entry));
  } catch {
    // not Linux, or gone
  }
  return Math.round(total / 1024);
}

async function load(options: autocannon.Options) {
  await autocannon({ ...options, duration: WARMUP });
  const result = await autocannon({ ...options, duration: DURATION });
  return { rps: Math.round(result.requests.average), p50_ms: result.latency.p50, p99_ms: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx };
}

async function reachable(): Promise<boolean> {
  try {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 1000 });
    await client.connect();
    await client.end();
    const redis = new Redis(REDIS, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
    await redis.connect();
    redis.disconnect();
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const external = await reachable();
  const processes = external && processesArg >= 0 ? Number(args[processesArg + 1]) : 1;
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const dataDir = join(tmpdir(), `keyward-bench-${process.pid}`);
  const prefix = `kwbench:${randomBytes(4).toString('hex')}:`;
  const env: Record<string, string> = { NODE_ENV: 'test', PORT: String(port), ISSUER: issuer, KEYWARD_SECRET: SECRET, DATA_DIR: dataDir, LOG_LEVEL: 'warn', BENCH_PROCESSES: String(processes) };
  if (external) {
    const scratch = await createScratchDatabase(ADMIN_URL, 'bench');
    Object.assign(env, { DATABASE_URL: scratch.url, REDIS_URL: REDIS, REDIS_KEY_PREFIX: prefix });
    cleanups.push(async () => {
      await scratch.drop();
      const redis = new Redis(REDIS);
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    });
  } else {
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  }

  const keyward = await start('bench/keyward-process.ts', env, `${issuer}/readyz`);
  const config = loadConfig(env);
  // Provisioning goes the way an operator's would: directly on Postgres, or through the
  // embedded server's control socket.
  const registry = external ? await buildRegistryServices(config, createLogger('silent')) : undefined;
  const run = (command: Command) => (registry ? runCommand(registry, command) : sendControlCommand(dataDir, command));
  const org = String((await run({ name: 'org.create', orgName: 'Bench', plan: 'council' })).id);
  const client = await run({ name: 'client.create', org, clientName: 'bench', grants: ['client_credentials'], redirectUris: [], isPublic: false, introspect: true, scope: 'invoices:read' });
  const key = String((await run({ name: 'key.create', org, keyName: 'bench', scope: 'invoices:read', ips: [] })).key);
  await registry?.close();
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const keywardAuth = basic(String(client.client_id), String(client.client_secret));

  const basePort = await freePort();
  const baseline = await start('bench/baseline-oidc.ts', { PORT: String(basePort), BENCH_PROCESSES: String(processes) }, 'baseline ready');
  const hmacPort = await freePort();
  const hmac = await start('bench/baseline-hmac.ts', { PORT: String(hmacPort), BENCH_KEY: key }, 'baseline ready');

  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const rows: Array<Record<string, string | number>> = [];
  const record = (scenario: string, mine: { rps: number; p50_ms: number; p99_ms: number; errors: number }, base: { rps: number }, rss: number) =>
    rows.push({ scenario, rps: mine.rps, p50_ms: mine.p50_ms, p99_ms: mine.p99_ms, errors: mine.errors, rss_mb: rss, baseline_rps: base.rps, ratio: Number((mine.rps / base.rps).toFixed(2)) });

  const ccBody = 'grant_type=client_credentials&scope=invoices:read';
  const cc = await load({ url: `${issuer}/oauth2/token`, method: 'POST', connections: 50, headers: { ...form, authorization: keywardAuth }, body: ccBody });
  const ccBase = await load({ url: `http://127.0.0.1:${basePort}/token`, method: 'POST', connections: 50, headers: { ...form, authorization: basic('bench', 'bench-secret') }, body: ccBody });
  record('client_credentials', cc, ccBase, peakRssMb(keyward.pid!));

  const introspectBody = `token=${key}`;
  const intro = await load({ url: `${issuer}/oauth2/introspect`, method: 'POST', connections: 50, headers: { ...form, authorization: keywardAuth }, body: introspectBody });
  const introBase = await load({ url: `http://127.0.0.1:${hmacPort}/`, method: 'POST', connections: 50, headers: form, body: introspectBody });
  record('introspect_api_key', intro, introBase, peakRssMb(keyward.pid!));

  const tokenRes = await fetch(`${issuer}/oauth2/token`, { method: 'POST', headers: { ...form, authorization: keywardAuth }, body: ccBody });
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const verify = await benchVerifyJwt(issuer, config.resources[0], token, DURATION);
  const selfRss = Math.round(process.memoryUsage().rss / 1e6);
  record('verify_jwt_uncached', { ...verify.uncached, errors: 0 }, verify.baseline, selfRss);
  record('verify_jwt_cached', { ...verify.cached, errors: 0 }, verify.baseline, selfRss);

  void baseline;
  void hmac;
  const backend = external ? 'Postgres + Redis' : 'embedded (PGlite + SQL adapter)';
  const machine = `${cpus().length} cores, Node ${process.version}, ${processes} process(es), ${backend}`;
  console.log(`keyward bench (${smoke ? 'smoke' : quick ? 'quick' : 'full'}: ${DURATION}s per run) on ${machine}`);
  console.table(rows);
  writeFileSync('bench/results.json', `${JSON.stringify(rows, null, 2)}\n`);
  if (!smoke) {
    const date = new Date().toISOString().slice(0, 10);
    for (const r of rows) {
      appendFileSync('docs/benchmarks.md', `| ${date} | ${machine} | ${r.scenario} | ${r.rps} | ${r.p50_ms} | ${r.p99_ms} | ${r.errors} | ${r.rss_mb} | ${r.baseline_rps} | ${r.ratio} |\n`);
    }
  }
  const failed = rows.filter((r) => Number(r.errors) > 0);
  if (failed.length) {
    console.error(`failed: ${failed.map((r) => r.scenario).join(', ')} had non-2xx answers or errors`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  for (const cleanup of cleanups) await cleanup();
}
