// npm run soak [-- --seconds N]   (default 600; CI runs 60)
// A constant mix against one Keyward on 127.0.0.1 (Postgres + Redis): client credentials, the
// code flow with login and consent, refreshes, API-key calls. Counts every answer by class and
// fails on any unexpected status, on memory that keeps growing, or on a Redis key without a TTL
// (state whose growth no TTL bounds).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { buildRegistryServices } from '../src/registry-services.js';
import { runCommand } from '../src/cli/commands.js';
import { createScratchDatabase, deleteKeysWithPrefix } from './scratch.js';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 600) || 600;
const ADMIN_URL = process.env.SOAK_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.SOAK_REDIS_URL ?? 'redis://127.0.0.1:6379';
const counts = new Map<string, number>();
const unexpected: string[] = [];
const count = (what: string, status: number, ok: boolean) => {
  const key = `${what} ${Math.floor(status / 100)}xx`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  if (!ok && unexpected.length < 20) unexpected.push(`${what} answered ${status}`);
};

const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
const issuer = `http://127.0.0.1:${port}`;
const prefix = `kwsoak:${randomBytes(4).toString('hex')}:`;
const scratch = await createScratchDatabase(ADMIN_URL, 'soak');
const env = { NODE_ENV: 'test', PORT: String(port), ISSUER: issuer, KEYWARD_SECRET: 'soak-secret-soak-secret-soak-secret-0123456', DATABASE_URL: scratch.url, REDIS_URL: REDIS, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'warn' };
const server = spawn(process.execPath, ['--import', 'tsx', 'bench/keyward-process.ts'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'inherit' });
const redis = new Redis(REDIS);
let failed = false;

try {
  for (let i = 0; i < 600 && !(await fetch(`${issuer}/readyz`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
  const registry = await buildRegistryServices(loadConfig(env), createLogger('silent'));
  const org = String((await runCommand(registry, { name: 'org.create', orgName: 'Soak', plan: 'pro' })).id);
  const email = 'soak@example.com';
  await runCommand(registry, { name: 'user.create', email, password: 'soak password 1', org, role: 'admin' });
  const svc = await runCommand(registry, { name: 'client.create', org, clientName: 'svc', grants: ['client_credentials'], redirectUris: [], isPublic: false, introspect: false });
  const app = await runCommand(registry, { name: 'client.create', org, clientName: 'app', grants: ['authorization_code'], redirectUris: ['https://app.example/cb'], isPublic: false, introspect: false });
  const key = String((await runCommand(registry, { name: 'key.create', org, keyName: 'soak', scope: 'api-keys:read', ips: [] })).key);
  await registry.close();
  const basic = (id: unknown, secret: unknown) => `Basic ${Buffer.from(`${String(id)}:${String(secret)}`).toString('base64')}`;
  const form = 'application/x-www-form-urlencoded';

  const clientCredentials = async () => {
    const res = await fetch(`${issuer}/oauth2/token`, { method: 'POST', headers: { 'content-type': form, authorization: basic(svc.client_id, svc.client_secret) }, body: 'grant_type=client_credentials' });
    await res.arrayBuffer();
    count('client_credentials', res.status, res.status === 200);
  };
  const apiKey = async () => {
    const res = await fetch(`${issuer}/v1/api-keys?limit=1`, { headers: { 'x-api-key': key } });
    await res.arrayBuffer();
    count('api_key', res.status, res.status === 200);
  };
  const codeFlowAndRefreshes = async () => {
    const jar = new Map<string, string>();
    const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const keep = (res: Response) => res.headers.getSetCookie().forEach((c) => { const [pair] = c.split(';'); const i = pair!.indexOf('='); jar.set(pair!.slice(0, i), pair!.slice(i + 1)); });
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const q = new URLSearchParams({ client_id: String(app.client_id), response_type: 'code', redirect_uri: 'https://app.example/cb', scope: 'invoices:read', code_challenge: challenge, code_challenge_method: 'S256' });
    let res = await fetch(`${issuer}/oauth2/authorize?${q}`, { redirect: 'manual' });
    keep(res);
    let code: string | undefined;
    for (let hop = 0; hop < 10 && !code; hop++) {
      const location = res.headers.get('location');
      if (location?.startsWith('https://app.example/')) {
        code = new URL(location).searchParams.get('code') ?? undefined;
        break;
      }
      if (location) {
        res = await fetch(new URL(location, issuer), { headers: { cookie: cookie() }, redirect: 'manual' });
        keep(res);
        continue;
      }
      const html = await res.text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
      const login = /action="(\/interaction\/[^"]+\/login)"/.exec(html)?.[1];
      const confirm = /action="(\/interaction\/[^"]+\/confirm)"/.exec(html)?.[1];
      const target = login ?? confirm;
      if (!target) break;
      const body = new URLSearchParams(login ? { csrf, email, password: 'soak password 1' } : { csrf });
      res = await fetch(`${issuer}${target}`, { method: 'POST', headers: { cookie: cookie(), 'content-type': form, origin: issuer }, body, redirect: 'manual' });
      keep(res);
    }
    count('authorize', code ? 200 : 500, Boolean(code));
    if (!code) return;
    const auth = basic(app.client_id, app.client_secret);
    const token = await fetch(`${issuer}/oauth2/token`, { method: 'POST', headers: { 'content-type': form, authorization: auth }, body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb', code_verifier: verifier }) });
    count('code_exchange', token.status, token.status === 200);
    let refresh = ((await token.json()) as { refresh_token?: string }).refresh_token;
    for (let i = 0; i < 10 && refresh; i++) {
      const res2 = await fetch(`${issuer}/oauth2/token`, { method: 'POST', headers: { 'content-type': form, authorization: auth }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh }) });
      count('refresh', res2.status, res2.status === 200);
      refresh = ((await res2.json()) as { refresh_token?: string }).refresh_token;
    }
  };

  const rss = async () => Number(/process_resident_memory_bytes (\d+)/.exec(await (await fetch(`${issuer}/metrics`)).text())?.[1] ?? 0);
  const started = Date.now();
  const until = started + seconds * 1000;
  let rssAtQuarter = 0;
  const workers = Array.from({ length: 4 }, async (_, w) => {
    while (Date.now() < until) {
      if (w === 0) await codeFlowAndRefreshes();
      else if (w === 1) await apiKey();
      else await clientCredentials();
      if (!rssAtQuarter && Date.now() > started + seconds * 250) rssAtQuarter = await rss();
    }
  });
  await Promise.all(workers);
  const rssAtEnd = await rss();

  let cursor = '0';
  let keys = 0;
  const unbounded: string[] = [];
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const k of batch) {
      keys++;
      if ((await redis.ttl(k)) === -1 && unbounded.length < 5) unbounded.push(k);
    }
  } while (cursor !== '0');

  console.log(`soak: ${seconds}s against ${issuer}`);
  console.table(Object.fromEntries([...counts].sort()));
  console.log(`rss: ${Math.round(rssAtQuarter / 1e6)} MB at 25%, ${Math.round(rssAtEnd / 1e6)} MB at the end; redis keys: ${keys}, without TTL: ${unbounded.length}`);
  if (unexpected.length) console.error(`unexpected answers: ${unexpected.join('; ')}`);
  if (unbounded.length) console.error(`keys without a TTL: ${unbounded.join(', ')}`);
  // After warm-up the resident set may wobble, not climb: more than 50% growth is a leak.
  const leaking = rssAtQuarter > 0 && rssAtEnd > rssAtQuarter * 1.5;
  if (leaking) console.error('memory kept growing');
  failed = unexpected.length > 0 || unbounded.length > 0 || leaking || counts.size === 0;
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await scratch.drop();
}
process.exitCode = failed ? 1 : 0;
