// npm run bench [-- --quick | --smoke] [--processes N] [--only a,b] [--cpu-prof DIR]
// Keyward's hot paths side by side with a baseline in the same run, on 127.0.0.1 only. Prints a
// table, writes bench/results.json, appends dated rows to docs/benchmarks.md, and exits
// non-zero when any scenario had a non-2xx answer or an error. Each HTTP scenario alternates
// Keyward and its baseline over ROUNDS rounds and averages them, so drift in the machine's
// load hits both sides alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/lib/logger.js';
import { buildRegistryServices } from '../src/compose/registry.js';
import { runCommand, type Command } from '../src/operator/commands.js';
import { sendControlCommand } from '../src/control/client.js';
import { benchVerify } from './verify.js';
import { basicAuth, loginFlow } from './login-flow.js';
import { createScratchDatabase, deleteKeysWithPrefix, freePort } from './scratch.js';
import { buildKeyward } from './build.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const quick = args.includes('--quick');
const processesArg = args.indexOf('--processes');
const valueOf = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
// --only client_credentials,refresh_token: just those scenarios (verify_* run together).
const only = valueOf('--only')?.split(',');
const runs = (scenario: string) => !only || only.some((name) => scenario.startsWith(name));
// --cpu-prof DIR: Keyward's workers write V8 CPU profiles there (open them in Chrome DevTools).
const cpuProfileDir = valueOf('--cpu-prof');
const DURATION = smoke ? 1 : quick ? 5 : 10;
const WARMUP = smoke ? 0.5 : 2;
const ROUNDS = smoke ? 1 : 2;
const REFRESH_CONNECTIONS = 20;
const AUTHORIZE_CONCURRENCY = 1;
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<unknown> | void> = [];

/** Starts a server script; ready when it prints `ready`, or when `ready` (a URL) answers 200. */
async function start(script: string, env: Record<string, string>, ready: string): Promise<{ child: ChildProcess; output: () => string }> {
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
  return { child, output: () => out };
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

interface Measured {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

async function load(options: autocannon.Options, warmup = true): Promise<Measured> {
  if (warmup) await autocannon({ ...options, duration: WARMUP });
  const result = await autocannon({ ...options, duration: DURATION });
  return { rps: Math.round(result.requests.average), p50_ms: result.latency.p50, p99_ms: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx };
}

function mean(runs: Measured[]): Measured {
  const avg = (pick: (m: Measured) => number) => Number((runs.reduce((sum, m) => sum + pick(m), 0) / runs.length).toFixed(2));
  return { rps: Math.round(avg((m) => m.rps)), p50_ms: avg((m) => m.p50_ms), p99_ms: avg((m) => m.p99_ms), errors: runs.reduce((sum, m) => sum + m.errors, 0) };
}

/** Keyward and its baseline, alternately, ROUNDS times each. */
async function sideBySide(mine: () => Promise<Measured>, base: () => Promise<Measured>): Promise<[Measured, Measured]> {
  const a: Measured[] = [];
  const b: Measured[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    a.push(await mine());
    b.push(await base());
  }
  return [mean(a), mean(b)];
}

/**
 * Refresh-token rotation: every request presents a live refresh token and puts the one it got
 * back into the pool, so each request rotates a token that is still valid (one per
 * connection; autocannon's per-connection context is reset between requests, so the pool is
 * shared). A run uses its own seeds: a request cut off at a run's end leaves its chain spent.
 */
function rotate(url: string, authorization: string, seeds: string[]): autocannon.Options {
  const pool = [...seeds];
  return {
    url,
    method: 'POST',
    connections: seeds.length,
    requests: [
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
        setupRequest: (request) => ({ ...request, body: `grant_type=refresh_token&refresh_token=${pool.shift() ?? 'none-left'}` }),
        onResponse: (status, body) => {
          if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
        },
      },
    ],
  };
}

const percentile = (sorted: number[], q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN).toFixed(1));

/**
 * Full code + PKCE sign-ins (login with argon2id, consent, code exchange) at a fixed
 * concurrency. Latency is per sign-in; `requests` has the p50 and p99 of its single requests.
 */
async function signIns(options: Parameters<typeof loginFlow>[0], concurrency: number, seconds: number): Promise<Measured & { requests: { p50_ms: number; p99_ms: number } }> {
  const durations: number[] = [];
  const requests: number[] = [];
  let errors = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const result = await loginFlow({ ...options, onRequest: (ms) => requests.push(ms) });
        if (result.status === 200) durations.push(performance.now() - t);
        else errors++;
      }
    }),
  );
  durations.sort((a, b) => a - b);
  requests.sort((a, b) => a - b);
  return {
    rps: Number((durations.length / ((performance.now() - started) / 1000)).toFixed(1)),
    p50_ms: percentile(durations, 0.5),
    p99_ms: percentile(durations, 0.99),
    errors,
    requests: { p50_ms: percentile(requests, 0.5), p99_ms: percentile(requests, 0.99) },
  };
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
  buildKeyward();
  const external = await reachable();
  const processes = external && processesArg >= 0 ? Number(args[processesArg + 1]) : 1;
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const dataDir = join(tmpdir(), `keyward-bench-${process.pid}`);
  const prefix = `kwbench:${randomBytes(4).toString('hex')}:`;
  const env: Record<string, string> = { NODE_ENV: 'test', PORT: String(port), ISSUER: issuer, KEYWARD_SECRET: SECRET, DATA_DIR: dataDir, LOG_LEVEL: 'warn', BENCH_PROCESSES: String(processes) };
  if (cpuProfileDir) env.BENCH_CPU_PROF = cpuProfileDir;
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

  const keyward = (await start('bench/keyward-process.ts', env, `${issuer}/readyz`)).child;
  const config = loadConfig(env);
  // Provisioning goes the way an operator's would: directly on Postgres, or through the
  // embedded server's control socket.
  const registry = external ? await buildRegistryServices(config, createLogger('silent')) : undefined;
  const run = (command: Command) => (registry ? runCommand(registry, command) : sendControlCommand(dataDir, command));
  const org = String((await run({ name: 'org.create', orgName: 'Bench', plan: 'council' })).id);
  const client = await run({ name: 'client.create', org, clientName: 'bench', grants: ['client_credentials'], redirectUris: [], isPublic: false, introspect: true, scope: 'invoices:read' });
  const app = await run({ name: 'client.create', org, clientName: 'app', grants: ['authorization_code'], redirectUris: ['https://app.example/cb'], isPublic: false, introspect: false, scope: 'invoices:read' });
  const key = String((await run({ name: 'key.create', org, keyName: 'bench', scope: 'invoices:read', ips: [] })).key);
  const user = { email: 'bench@example.com', password: 'bench password 1' };
  await run({ name: 'user.create', email: user.email, password: user.password, org, role: 'admin' });
  await registry?.close();
  const keywardAuth = basicAuth(String(client.client_id), String(client.client_secret));
  const signIn = { issuer, client: { id: String(app.client_id), secret: String(app.client_secret) }, redirectUri: 'https://app.example/cb', scope: 'invoices:read', ...user };

  // The bare provider's memory adapter lives in one process: refresh rotation can be compared
  // only when it runs alone.
  const refreshSeeds = processes === 1 ? REFRESH_CONNECTIONS * 2 * ROUNDS : 0;
  const basePort = await freePort();
  const baseline = await start('bench/baseline-oidc.ts', { PORT: String(basePort), BENCH_PROCESSES: String(processes), BENCH_REFRESH_SEEDS: String(refreshSeeds) }, 'baseline ready');
  const baseSeeds = (JSON.parse(/baseline ready (\{.*\})/.exec(baseline.output())?.[1] ?? '{}') as { refreshTokens?: string[] }).refreshTokens ?? [];
  const hmacPort = await freePort();
  await start('bench/baseline-hmac.ts', { PORT: String(hmacPort), BENCH_KEY: key, BENCH_PROCESSES: String(processes) }, 'baseline ready');

  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const rows: Array<Record<string, string | number | null>> = [];
  const record = (scenario: string, mine: Measured, base: { rps: number } | undefined, rss: number) =>
    rows.push({ scenario, rps: mine.rps, p50_ms: mine.p50_ms, p99_ms: mine.p99_ms, errors: mine.errors, rss_mb: rss, baseline_rps: base?.rps ?? null, ratio: base ? Number((mine.rps / base.rps).toFixed(2)) : null });

  const ccBody = 'grant_type=client_credentials&scope=invoices:read';
  if (runs('client_credentials')) {
    const [cc, ccBase] = await sideBySide(
    () => load({ url: `${issuer}/oauth2/token`, method: 'POST', connections: 50, headers: { ...form, authorization: keywardAuth }, body: ccBody }),
    () => load({ url: `http://127.0.0.1:${basePort}/token`, method: 'POST', connections: 50, headers: { ...form, authorization: basicAuth('bench', 'bench-secret') }, body: ccBody }),
  );
    record('client_credentials', cc, ccBase, peakRssMb(keyward.pid!));
  }

  if (runs('refresh_token')) {
    // Seeds for Keyward come from real sign-ins (login, consent, code exchange), a few at a time.
    const seeds: string[] = [];
    while (seeds.length < REFRESH_CONNECTIONS * 2 * ROUNDS) {
      const batch = await Promise.all(Array.from({ length: 4 }, () => loginFlow(signIn)));
      for (const result of batch) {
        if (!result.refreshToken) throw new Error(`a sign-in for the refresh seeds failed at ${result.step} with ${result.status}`);
        seeds.push(result.refreshToken);
      }
    }
    const takeSeeds = (from: string[]) => from.splice(0, REFRESH_CONNECTIONS);
    const appAuth = basicAuth(signIn.client.id, signIn.client.secret);
    const refreshRun = async (url: string, auth: string, from: string[]) => {
      await autocannon({ ...rotate(url, auth, takeSeeds(from)), duration: WARMUP });
      return load(rotate(url, auth, takeSeeds(from)), false);
    };
    if (baseSeeds.length > 0) {
      const [refresh, refreshBase] = await sideBySide(() => refreshRun(`${issuer}/oauth2/token`, appAuth, seeds), () => refreshRun(`http://127.0.0.1:${basePort}/token`, basicAuth('app', 'app-secret'), baseSeeds));
      record('refresh_token', refresh, refreshBase, peakRssMb(keyward.pid!));
    } else {
      const runs: Measured[] = [];
      for (let round = 0; round < ROUNDS; round++) runs.push(await refreshRun(`${issuer}/oauth2/token`, appAuth, seeds));
      record('refresh_token', mean(runs), undefined, peakRssMb(keyward.pid!));
    }
  }

  if (runs('introspect_api_key')) {
    const introspectBody = `token=${key}`;
    const [intro, introBase] = await sideBySide(
      () => load({ url: `${issuer}/oauth2/introspect`, method: 'POST', connections: 50, headers: { ...form, authorization: keywardAuth }, body: introspectBody }),
      () => load({ url: `http://127.0.0.1:${hmacPort}/`, method: 'POST', connections: 50, headers: form, body: introspectBody }),
    );
    record('introspect_api_key', intro, introBase, peakRssMb(keyward.pid!));
  }

  // No bare counterpart: a sign-in is Keyward's own pages around oidc-provider's interactions.
  const notes: string[] = [];
  if (runs('authorize_flow')) {
    const flows = await signIns(signIn, AUTHORIZE_CONCURRENCY, DURATION);
    record('authorize_flow', flows, undefined, peakRssMb(keyward.pid!));
    notes.push(`authorize_flow: ${AUTHORIZE_CONCURRENCY} at a time; latency per sign-in above, per request p50 ${flows.requests.p50_ms} ms, p99 ${flows.requests.p99_ms} ms`);
  }

  if (runs('verify')) {
    const tokenRes = await fetch(`${issuer}/oauth2/token`, { method: 'POST', headers: { ...form, authorization: keywardAuth }, body: ccBody });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const introspection = { clientId: String(client.client_id), clientSecret: String(client.client_secret) };
    const verify = await benchVerify({ issuer, audience: config.resources[0]!, token, apiKey: key, introspection, seconds: DURATION, rounds: ROUNDS });
    const selfRss = Math.round(process.memoryUsage().rss / 1e6);
    record('verify_jwt_uncached', verify.jwtUncached, verify.baseline, selfRss);
    record('verify_jwt_cached', verify.jwtCached, verify.baseline, selfRss);
    record('verify_api_key_uncached', verify.keyUncached, verify.baseline, selfRss);
    record('verify_api_key_cached', verify.keyCached, verify.baseline, selfRss);
  }

  const backend = external ? 'Postgres + Redis' : 'embedded (PGlite + SQL adapter)';
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, ${processes} process(es), ${backend}`;
  console.log(`keyward bench (${smoke ? 'smoke' : quick ? 'quick' : 'full'}: ${DURATION}s per run, ${ROUNDS} round(s)) on ${machine}`);
  console.table(rows);
  for (const note of notes) console.log(note);
  writeFileSync('bench/results.json', `${JSON.stringify(rows, null, 2)}\n`);
  if (!smoke && !only && !cpuProfileDir) {
    const date = new Date().toISOString().slice(0, 10);
    for (const r of rows) {
      appendFileSync('docs/benchmarks.md', `| ${date} | ${machine} | ${r.scenario} | ${r.rps} | ${r.p50_ms} | ${r.p99_ms} | ${r.errors} | ${r.rss_mb} | ${r.baseline_rps ?? '-'} | ${r.ratio ?? '-'} |\n`);
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
