// In-process verification benchmarks: keyward/verify against a bare jose.jwtVerify with a
// local JWKS, on the same token, in the same run. Prints ops/s and ratios; writes
// bench/results.json and appends a row to docs/benchmarks.md.
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { buildServices } from '../src/deps.js';
import { startServer } from '../src/server.js';
import { runCommand } from '../src/cli/commands.js';
import { createVerifier } from '../src/verify/index.js';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 2 : 5;

async function rate(name: string, fn: () => Promise<unknown>): Promise<{ name: string; opsPerSec: number; p50_us: number; p99_us: number }> {
  const warmUntil = performance.now() + 500;
  while (performance.now() < warmUntil) await fn();
  const samples: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  let ops = 0;
  const started = performance.now();
  while (performance.now() < until) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
    ops++;
  }
  const elapsed = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  return { name, opsPerSec: Math.round(ops / elapsed), p50_us: Math.round(samples[Math.floor(samples.length / 2)]! * 1000), p99_us: Math.round(samples[Math.floor(samples.length * 0.99)]! * 1000) };
}

const config = loadConfig({
  NODE_ENV: 'test',
  PORT: '0',
  ISSUER: 'http://127.0.0.1:39123',
  KEYWARD_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  DATA_DIR: `/tmp/keyward-bench-${process.pid}`,
  LOG_LEVEL: 'silent',
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `kwbench:${process.pid}:` } : {}),
});
const services = await buildServices(config, createLogger('silent'));
const running = await startServer(services, 39123, '127.0.0.1');
try {
  const org = String((await runCommand(services, { name: 'org.create', orgName: 'Bench', plan: 'council' })).id);
  const client = await runCommand(services, { name: 'client.create', org, clientName: 'bench', grants: ['client_credentials'], redirectUris: [], isPublic: false, introspect: false });
  const res = await fetch(`${config.issuer}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${String(client.client_id)}:${String(client.client_secret)}`).toString('base64')}` },
    body: 'grant_type=client_credentials&scope=invoices:read',
  });
  const token = String(((await res.json()) as { access_token: string }).access_token);
  const jwks = createLocalJWKSet((await (await fetch(`${config.issuer}/oauth2/jwks`)).json()) as { keys: [] });
  const audience = config.resources[0];
  const request = { headers: { authorization: `Bearer ${token}` } };

  const baseline = await rate('bare jose.jwtVerify (local JWKS)', () => jwtVerify(token, jwks, { issuer: config.issuer, audience, typ: 'at+jwt', algorithms: ['ES256'] }));
  const uncachedVerifier = createVerifier({ issuer: config.issuer, audience, tokenCacheSize: 0 });
  const uncached = await rate('keyward/verify, uncached', () => uncachedVerifier.verify(request));
  const cachedVerifier = createVerifier({ issuer: config.issuer, audience });
  const cached = await rate('keyward/verify, cached', () => cachedVerifier.verify(request));

  const rows = [baseline, uncached, cached].map((r) => ({ ...r, ratio: Number((r.opsPerSec / baseline.opsPerSec).toFixed(2)) }));
  console.log(`verify_jwt (${SECONDS}s each, ${cpus().length} cores, Node ${process.version}, ${services.database.kind})`);
  console.table(rows);
  const results = [
    { scenario: 'verify_jwt_uncached', rps: uncached.opsPerSec, p50_ms: uncached.p50_us / 1000, p99_ms: uncached.p99_us / 1000, errors: 0, rss_mb: Math.round(process.memoryUsage().rss / 1e6), baseline_rps: baseline.opsPerSec, ratio: rows[1]!.ratio },
    { scenario: 'verify_jwt_cached', rps: cached.opsPerSec, p50_ms: cached.p50_us / 1000, p99_ms: cached.p99_us / 1000, errors: 0, rss_mb: Math.round(process.memoryUsage().rss / 1e6), baseline_rps: baseline.opsPerSec, ratio: rows[2]!.ratio },
  ];
  writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
  appendFileSync(
    'docs/benchmarks.md',
    `| ${new Date().toISOString().slice(0, 10)} | ${cpus().length} cores, Node ${process.version} | verify_jwt | bare jose ${baseline.opsPerSec}/s | uncached ${uncached.opsPerSec}/s (${rows[1]!.ratio}×) | cached ${cached.opsPerSec}/s (${rows[2]!.ratio}×) |\n`,
  );
} finally {
  // Leave nothing behind: the bench's Redis keys and embedded data folder.
  const { redis } = services;
  if (redis && 'scan' in redis) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.redisKeyPrefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  }
  await running.stop();
  rmSync(config.dataDir, { recursive: true, force: true });
}
