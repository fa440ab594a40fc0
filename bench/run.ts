// npm run bench [-- --quick | --smoke] [--processes N[,M]] [--only a,b] [--cpu-prof DIR]
// (--cpu-prof: Keyward and each one-process baseline write V8 CPU profiles under DIR, one folder each)
// Keyward's hot paths side by side with baselines in the same run, on 127.0.0.1 only. In order:
// provision, count Redis commands and Postgres queries per operation (counting/), measure the
// reference costs the capacity model divides by, then every scenario under the first process
// count and client_credentials and introspect_api_key under each further one (the curve).
// Prints tables, writes bench/results.json (a full run; other runs a file of their own),
// appends dated rows to docs/benchmarks.md, rewrites the docs' figures (a full run), and exits
// non-zero when any scenario had a non-2xx answer or an error.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { appendsRows, isReferenceRun, measuresRow, parseBenchOptions, resultsPath, runsScenario, type BenchOptions } from './options.js';
import { prepareStack, startKeyward, ADMIN_URL, REDIS_URL, type Stack, type KeywardInstance } from './stack.js';
import { startBareProvider, startHmacServer } from './baselines.js';
import { serverOutputs, stopAllServers } from './children.js';
import { API_KEY_POOL, provision, type Fixtures } from './fixtures.js';
import { countOperations } from './counting/operation-counts.js';
import { measureReferenceCosts } from './reference-costs.js';
import { clientCredentialsRows } from './scenarios/client-credentials.js';
import { refreshSeedsNeeded, refreshTokenRows, signInSeeds } from './scenarios/refresh-token.js';
import { introspectionRows } from './scenarios/introspect-api-key.js';
import { authorizeFlowRow } from './scenarios/authorize-flow.js';
import { verifyRows } from './scenarios/verify.js';
import { appendRunRows, printResults, writeResults, type ReferenceCosts, type Results, type Row } from './results.js';
import { applyFigures } from './figures.js';
import { buildKeyward } from './build.js';

const options = parseBenchOptions(process.argv.slice(2));
const runs = (scenario: string) => runsScenario(options, scenario);
const started = performance.now();
const progress = (what: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0)} s] ${what}`);

interface Phase {
  stack: Stack;
  fixtures: Fixtures;
  keysFile: string;
  redis: Redis | undefined;
  length: { seconds: number; warmupSeconds: number };
}

/** Every scenario under the first process count, on the Keyward started first. */
async function firstPhase(phase: Phase, keyward: KeywardInstance, processes: number, notes: string[]): Promise<Row[]> {
  const { stack, fixtures, redis, length } = phase;
  const rounds = options.rounds;
  const rows: Row[] = [];
  const profile = (name: string) => options.cpuProfileDir && join(options.cpuProfileDir, name);
  const bare =
    runs('client_credentials') || runs('refresh_token')
      ? await startBareProvider({ processes, refreshSeeds: runs('refresh_token') ? refreshSeedsNeeded(rounds) : 0, cpuProfileDir: profile('bare') })
      : undefined;
  const signIn = { issuer: keyward.issuer, client: fixtures.app, redirectUri: fixtures.app.redirectUri, scope: fixtures.scope, ...fixtures.user };
  if (bare && runs('client_credentials')) {
    progress('client_credentials (fast path, pipeline, bare)');
    // oidc-provider's pipeline: a second Keyward on the same state, fast paths off (PGlite admits one process).
    const pipeline =
      stack.external && measuresRow(options, 'client_credentials_pipeline')
        ? await startKeyward(stack, { processes, fastPath: false, cpuProfileDir: profile('pipeline') })
        : undefined;
    const keywards = { client_credentials: measuresRow(options, 'client_credentials') ? keyward : undefined, client_credentials_pipeline: pipeline };
    rows.push(...(await clientCredentialsRows({ rounds, length, processes, keywards, bare, fixtures, redis })));
    await pipeline?.server.stop();
  }
  if (runs('refresh_token')) {
    progress('refresh_token (Keyward, bare on Redis, bare in memory)');
    const bareRedis = stack.external
      ? await startBareProvider({ processes, refreshSeeds: refreshSeedsNeeded(rounds), redis: { url: REDIS_URL, prefix: `${stack.prefix}bare:` }, cpuProfileDir: profile('bare-redis') })
      : undefined;
    const seeds = await signInSeeds(refreshSeedsNeeded(rounds), signIn);
    rows.push(...(await refreshTokenRows({ rounds, length, processes, keyward, appAuthorization: fixtures.app.authorization, seeds, bareRedis, bareMemory: bare, redis })));
    await bareRedis?.server.stop();
  }
  await bare?.server.stop();
  if (runs('introspect_api_key')) {
    progress('introspect_api_key');
    const hmac = await startHmacServer(processes, phase.keysFile, profile('hmac'));
    rows.push(...(await introspectionRows({ rounds, length, processes, keyward, hmac, fixtures, redis })));
    await hmac.server.stop();
  }
  if (runs('authorize_flow')) {
    progress('authorize_flow');
    const { row, note } = await authorizeFlowRow(keyward, signIn, processes, options.seconds, redis);
    rows.push(row);
    notes.push(note);
  }
  if (runs('verify')) {
    progress('verify (in process)');
    const tokenRes = await fetch(`${keyward.issuer}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: fixtures.service.authorization },
      body: `grant_type=client_credentials&scope=${fixtures.scope}`,
    });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const introspection = { clientId: fixtures.service.id, clientSecret: fixtures.service.secret };
    rows.push(...(await verifyRows({ issuer: keyward.issuer, audience: keyward.issuer, token, apiKey: fixtures.apiKeys[0]!, introspection, seconds: options.seconds, rounds, processes })));
  }
  return rows;
}

/** client_credentials and introspect_api_key under `processes`: a Keyward and baselines of that many processes. */
async function curvePoint(phase: Phase, processes: number): Promise<Row[]> {
  const { stack, fixtures, redis, length } = phase;
  const rows: Row[] = [];
  const keyward = await startKeyward(stack, { processes });
  if (measuresRow(options, 'client_credentials')) {
    progress(`client_credentials under ${processes} processes`);
    const bare = await startBareProvider({ processes });
    rows.push(...(await clientCredentialsRows({ rounds: options.rounds, length, processes, keywards: { client_credentials: keyward }, bare, fixtures, redis })));
    await bare.server.stop();
  }
  if (runs('introspect_api_key')) {
    progress(`introspect_api_key under ${processes} processes`);
    const hmac = await startHmacServer(processes, phase.keysFile);
    rows.push(...(await introspectionRows({ rounds: options.rounds, length, processes, keyward, hmac, fixtures, redis })));
    await hmac.server.stop();
  }
  await keyward.server.stop();
  return rows;
}

async function referenceCosts(stack: Stack, o: BenchOptions): Promise<ReferenceCosts> {
  if (!stack.external || o.mode === 'smoke' || o.only) return { redis_ops_per_s: null, pg_selects_per_s: null, argon2id_ms: null };
  progress('reference costs (redis-benchmark, pgbench -S, argon2id)');
  const full = o.mode === 'full';
  return measureReferenceCosts({ redisUrl: REDIS_URL, adminUrl: ADMIN_URL, prefix: stack.prefix, redisRequests: full ? 200_000 : 100_000, pgSeconds: full ? 5 : 3, argon2Checks: full ? 20 : 10 });
}

async function main(stack: Stack): Promise<void> {
  buildKeyward();
  const processes = stack.external ? options.processes : [1];
  const redis = stack.external ? new Redis(REDIS_URL) : undefined;
  try {
    const keyward = await startKeyward(stack, { processes: processes[0]!, cpuProfileDir: options.cpuProfileDir && join(options.cpuProfileDir, 'keyward') });
    progress('provisioning');
    const fixtures = await provision((c) => stack.command(c), options.mode === 'smoke' ? 20 : API_KEY_POOL);
    const phase: Phase = { stack, fixtures, keysFile: stack.scratchFile('api-keys', fixtures.apiKeys), redis, length: { seconds: options.seconds, warmupSeconds: options.warmupSeconds } };
    const countsWanted = stack.external && !options.only && !options.cpuProfileDir;
    if (countsWanted) progress('counting Redis commands and Postgres queries per operation');
    const counts = countsWanted ? await countOperations(stack, fixtures, redis!, { operations: options.countedOperations, signIns: options.countedSignIns }) : {};
    const reference = await referenceCosts(stack, options);
    const notes: string[] = [];
    const rows = await firstPhase(phase, keyward, processes[0]!, notes);
    const curve = measuresRow(options, 'client_credentials') || runs('introspect_api_key') ? processes.slice(1) : [];
    for (const count of curve) rows.push(...(await curvePoint(phase, count)));

    const results: Results = {
      mode: options.mode,
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}`,
      backend: stack.backend,
      seconds_per_run: options.seconds,
      rounds: options.rounds,
      elapsed_s: Math.round((performance.now() - started) / 1000),
      rows,
      counts,
      reference,
      notes,
    };
    printResults(results);
    writeResults(resultsPath(options), results);
    if (appendsRows(options)) appendRunRows(results);
    if (isReferenceRun(options)) console.log(`figures rewritten in: ${applyFigures('bench/results.json').join(', ') || 'none (unchanged)'}`);
    progress('done');
    const failed = rows.filter((r) => r.errors > 0);
    if (failed.length) {
      console.error(`failed: ${failed.map((r) => r.id).join(', ')} had non-2xx answers or errors`);
      process.exitCode = 1;
    }
  } finally {
    redis?.disconnect();
  }
}

const stack = await prepareStack();
try {
  await main(stack);
} catch (err) {
  console.error(err);
  console.error(serverOutputs());
  process.exitCode = 1;
} finally {
  await stopAllServers();
  await stack.cleanup();
}
