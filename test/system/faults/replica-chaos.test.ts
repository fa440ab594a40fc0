// G55 under chaos: three Keyward processes on one Postgres database and one Redis prefix, behind
// a balancer that routes like a Kubernetes Service (new connections to replicas whose last
// /readyz probe said 200; no retries, no stickiness). A constant mix runs through it (client
// credentials, API-key calls, API-key introspection, code + PKCE flows with a refresh) while,
// every CHAOS_INTERVAL seconds, a random replica gets SIGTERM and a replacement starts.
// Errors may only be requests on a connection to a replica after it was told to stop (the
// in-flight ones), at most 0.1% of all; any HTTP answer other than the right one fails the test.
// CI: ~16 s with a kill every 5 s. The checklist's run: CHAOS_SECONDS=600 CHAOS_INTERVAL=30, with
// --reporter=verbose to see the figures.
import { randomBytes, randomInt } from 'node:crypto';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/lib/logger.js';
import { buildRegistryServices, type RegistryServices } from '../../../src/compose/registry.js';
import { runCommand } from '../../../src/operator/commands.js';
import { spawnServer, type ServerProcess } from '../../helpers/process.js';
import { deleteRedisPrefix, sharedStoresEnv } from '../../helpers/server.js';
import { freePort } from '../../helpers/free-port.js';
import { basic, pkcePair } from '../../helpers/oauth-flow.js';
import { startBalancer, type Backend, type Balancer, type Route } from '../../helpers/balancer.js';

const SECONDS = Number(process.env.CHAOS_SECONDS ?? 16);
const INTERVAL = Number(process.env.CHAOS_INTERVAL ?? 5);
const PROBE_MS = 250; // the balancer's readiness probe period
const prefix = `kwtest:${randomBytes(4).toString('hex')}:`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

interface Replica {
  process: ServerProcess;
  backend: Backend;
}
let lb: Balancer;
let env: Record<string, string>;
let registry: RegistryServices;
const replicas: Replica[] = [];
let serial = 0;

async function startReplica(): Promise<Replica> {
  const proc = await spawnServer(env);
  const replica = { process: proc, backend: lb.add(`replica-${serial++}`, Number(new URL(proc.url).port)) };
  replicas.push(replica);
  return replica;
}

beforeAll(async () => {
  lb = await startBalancer(await freePort(), PROBE_MS);
  const issuer = `http://127.0.0.1:${lb.port}`;
  env = {
    ...sharedStoresEnv(prefix),
    ISSUER: issuer,
    // Readiness fails at once on SIGTERM; the listener stays open long enough for the balancer
    // to see that (one probe period and then some), so no new connection is refused.
    SHUTDOWN_DELAY: '1',
  };
  registry = await buildRegistryServices(loadConfig({ ...env, NODE_ENV: 'test' }), createLogger('silent'));
  await Promise.all([startReplica(), startReplica(), startReplica()]);
  for (let i = 0; i < 100 && !lb.backends.every((b) => b.ready); i++) await sleep(100);
}, 90_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.process.stop()));
  await lb?.close();
  await registry?.close();
  await deleteRedisPrefix(inject('redisUrl'), prefix);
}, 60_000);

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}
/** A request that failed below HTTP, with the client port that says which replica it was on. */
class TransportError extends Error {
  constructor(
    readonly code: string,
    readonly clientPort: number | undefined,
  ) {
    super(code);
  }
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 8 });

// node:http rather than fetch: the socket's local port is needed to find the replica.
function send(method: string, path: string, headers: Record<string, string>, body: string | undefined, reuse: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let clientPort: number | undefined;
    const fail = (err: NodeJS.ErrnoException) => reject(new TransportError(err.code ?? err.message, clientPort));
    const req = request(
      { host: '127.0.0.1', port: lb.port, method, path, headers: reuse ? headers : { ...headers, connection: 'close' }, agent: reuse ? keepAlive : false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', fail);
      },
    );
    req.on('socket', (socket) => {
      if (socket.localPort) clientPort = socket.localPort;
      else socket.once('connect', () => (clientPort = socket.localPort));
    });
    req.on('error', fail);
    req.setTimeout(15_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.end(body);
  });
}

describe('G55 replicas terminated under load', () => {
  it(`G55 chaos: a replica SIGTERMed every ${INTERVAL} s for ${SECONDS} s behind a readiness-probing round-robin balancer: ≤ 0.1% errors, all in flight on the terminated replica, no wrong answer`, async ({ annotate }) => {
    const org = String((await runCommand(registry, { name: 'org.create', orgName: 'Chaos', plan: 'pro' })).id);
    const email = `chaos-${randomBytes(4).toString('hex')}@example.com`;
    const password = 'chaos password 1';
    await runCommand(registry, { name: 'user.create', email, password, org, role: 'admin' });
    const svc = await runCommand(registry, { name: 'client.create', org, clientName: 'svc', grants: ['client_credentials'], redirectUris: [], isPublic: false, introspect: false });
    const rs = await runCommand(registry, { name: 'client.create', org, clientName: 'rs', grants: ['client_credentials'], redirectUris: [], isPublic: false, introspect: true });
    const app = await runCommand(registry, { name: 'client.create', org, clientName: 'app', grants: ['authorization_code'], redirectUris: ['https://app.example/cb'], isPublic: false, introspect: false });
    const key = String((await runCommand(registry, { name: 'key.create', org, keyName: 'chaos', scope: 'api-keys:read', ips: [] })).key);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const issuer = env.ISSUER!;

    const counts = new Map<string, number>();
    const wrong: string[] = [];
    const failures: Array<{ what: string; at: number; code: string; route: Route | undefined }> = [];
    let flows = 0;
    /** One request; undefined when it failed (a transport error or a wrong answer, both recorded). */
    const call = async (what: string, check: (a: Answer) => boolean, method: string, path: string, headers: Record<string, string>, body: string | undefined, reuse: boolean) => {
      counts.set(what, (counts.get(what) ?? 0) + 1);
      try {
        const answer = await send(method, path, headers, body, reuse);
        if (check(answer)) return answer;
        wrong.push(`${what} ${method} ${path.split('?')[0]}: ${answer.status} ${answer.body.slice(0, 200)}`);
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        // Looked up now: the client port may be reused by a later connection.
        failures.push({ what, at: Date.now(), code: err.code, route: err.clientPort ? lb.routeOf(err.clientPort) : undefined });
      }
      return undefined;
    };
    const json = (a: Answer) => JSON.parse(a.body) as Record<string, unknown>;

    const clientCredentials = (reuse: boolean) =>
      call('client_credentials', (a) => a.status === 200 && typeof json(a).access_token === 'string', 'POST', '/oauth2/token', { ...form, authorization: basic(String(svc.client_id), String(svc.client_secret)) }, 'grant_type=client_credentials', reuse);
    const apiKeyCall = (reuse: boolean) =>
      call('api_key', (a) => a.status === 200 && Array.isArray(json(a).data), 'GET', '/v1/api-keys?limit=1', { 'x-api-key': key }, undefined, reuse);
    const introspect = (reuse: boolean) =>
      call('introspect', (a) => a.status === 200 && json(a).active === true, 'POST', '/oauth2/introspect', { ...form, authorization: basic(String(rs.client_id), String(rs.client_secret)) }, new URLSearchParams({ token: key }).toString(), reuse);

    // A browser's code + PKCE flow, each step to whichever replica the balancer picks, then the
    // code exchange and one refresh.
    const codeFlow = async () => {
      const jar = new Map<string, string>();
      const cookie = () => ({ cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') });
      const keep = (a: Answer) => {
        for (const line of a.headers['set-cookie'] ?? []) {
          const [pair] = line.split(';');
          const eq = pair!.indexOf('=');
          jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        return a;
      };
      const step = (a: Answer) => a.status === 302 || a.status === 303 || (a.status === 200 && /action="\/interaction\/[^"]+\/(login|confirm)"/.test(a.body));
      const { verifier, challenge } = pkcePair();
      const state = randomBytes(8).toString('hex');
      const query = new URLSearchParams({ client_id: String(app.client_id), response_type: 'code', redirect_uri: 'https://app.example/cb', scope: 'invoices:read', code_challenge: challenge, code_challenge_method: 'S256', state });
      let answer = await call('authorize', step, 'GET', `/oauth2/authorize?${query}`, {}, undefined, true);
      let code: string | undefined;
      for (let hop = 0; answer && hop < 10; hop++) {
        keep(answer);
        const location = answer.headers.location;
        if (location?.startsWith('https://app.example/')) {
          const landed = new URL(location);
          if (landed.searchParams.get('state') === state) code = landed.searchParams.get('code') ?? undefined;
          if (!code) wrong.push(`authorize landed without a code: ${location}`);
          break;
        }
        if (location) {
          const next = new URL(location, issuer);
          answer = await call('authorize', step, 'GET', `${next.pathname}${next.search}`, cookie(), undefined, true);
          continue;
        }
        const csrf = /name="csrf" value="([^"]+)"/.exec(answer.body)?.[1] ?? '';
        const login = /action="(\/interaction\/[^"]+\/login)"/.exec(answer.body)?.[1];
        const target = login ?? /action="(\/interaction\/[^"]+\/confirm)"/.exec(answer.body)![1]!;
        const body = new URLSearchParams(login ? { csrf, email, password } : { csrf }).toString();
        answer = await call(login ? 'login' : 'consent', step, 'POST', target, { ...form, ...cookie(), origin: issuer }, body, true);
      }
      if (!code) return;
      const auth = { ...form, authorization: basic(String(app.client_id), String(app.client_secret)) };
      const hasRefresh = (a: Answer) => a.status === 200 && typeof json(a).refresh_token === 'string';
      const tokens = await call('code_exchange', hasRefresh, 'POST', '/oauth2/token', auth, new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb', code_verifier: verifier }).toString(), true);
      if (!tokens) return;
      const refreshed = await call('refresh', hasRefresh, 'POST', '/oauth2/token', auth, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(json(tokens).refresh_token) }).toString(), true);
      if (refreshed) flows++;
    };

    const started = Date.now();
    const end = started + SECONDS * 1000;
    // Long-lived keep-alive clients and one-request connections: the latter keep spreading new
    // connections over the replicas, including the replacements.
    const mix = async (reuse: boolean) => {
      for (let i = 0; Date.now() < end; i++) {
        if (i % 4 === 1) await apiKeyCall(reuse);
        else if (i % 4 === 3) await introspect(reuse);
        else await clientCredentials(reuse);
      }
    };
    const flowsLoop = async () => {
      while (Date.now() < end) await codeFlow();
    };
    /** 0, or why a replica did not drain and exit cleanly. */
    const exits: Array<Promise<0 | string>> = [];
    const chaos = async () => {
      for (let at = started + INTERVAL * 1000; at < end; at += INTERVAL * 1000) {
        await sleep(at - Date.now());
        const live = replicas.filter((r) => r.backend.terminatedAt === undefined);
        const victim = live[randomInt(live.length)]!;
        victim.backend.terminatedAt = Date.now();
        exits.push(victim.process.stop().then((code) => (lb.remove(victim.backend), code === 0 ? 0 : `${victim.backend.name} exited ${code}:\n${victim.process.output().slice(-3000)}`)));
        await startReplica(); // as the ReplicaSet does once a pod is terminating
      }
    };
    await Promise.all([chaos(), flowsLoop(), mix(true), mix(true), mix(true), mix(false), mix(false)]);
    const codes = await Promise.all(exits);

    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    // A failure is explained only if its connection reached a replica already told to stop.
    const unexplained = failures
      .filter(({ route, at }) => !route?.connected || route.backend.terminatedAt === undefined || route.backend.terminatedAt > at)
      .map(({ what, code, route, at }) => `${what}: ${code} on ${route ? `${route.backend.name}${route.connected ? '' : ' (refused)'}, SIGTERM ${route.backend.terminatedAt === undefined ? 'never sent' : `${at - route.backend.terminatedAt} ms before`}` : 'no known connection'}`);
    const summary = {
      seconds: SECONDS,
      interval: INTERVAL,
      terminated: codes.length,
      requests: total,
      perSecond: Math.round(total / SECONDS),
      flows,
      failures: failures.map((f) => `${f.what}: ${f.code} on ${f.route?.backend.name}`),
      mix: Object.fromEntries(counts),
      connections: Object.fromEntries(replicas.map((r) => [r.backend.name, r.backend.connections])),
    };
    await annotate(`G55 chaos: ${JSON.stringify(summary)}`); // the figures docs/security.md records

    // What the replicas logged at error or fatal level: why an answer was wrong or a replica died.
    const troubled = replicas
      .map((r) => ({ name: r.backend.name, lines: r.process.output().split('\n').filter((line) => /"level":(50|60)/.test(line)) }))
      .filter((r) => r.lines.length > 0)
      .map((r) => `${r.name}:\n${r.lines.slice(-5).join('\n')}`)
      .join('\n');
    expect(wrong, troubled).toEqual([]);
    expect(unexplained, troubled).toEqual([]);
    expect(lb.noBackend).toBe(0);
    expect(failures.length / total).toBeLessThanOrEqual(0.001);
    expect(codes.length).toBe(Math.ceil(SECONDS / INTERVAL) - 1);
    expect(codes.filter((code) => code !== 0)).toEqual([]); // each drained and exited cleanly
    // Enough traffic to see every termination: a floor a starved machine (a niced run beside
    // another suite sent 34 a second) still clears; the error budget above is what is judged.
    expect(total).toBeGreaterThan(SECONDS * 20);
    expect(flows).toBeGreaterThan(0);
    // Replacements take traffic once ready: the balancer really follows readiness.
    for (const { backend } of replicas) if (backend.readyAt && backend.readyAt < end - 1000) expect(backend.connections, backend.name).toBeGreaterThan(0);
  }, (SECONDS + 60) * 1000);
});
