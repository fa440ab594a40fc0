// Stateless horizontal scaling (checklist G55): three Keyward processes on one Postgres and one
// Redis, requests spread round-robin with no stickiness: authorize on one, login on another,
// consent on a third, token on the first. And a key revoked through one is refused by the
// others within a second.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { buildRegistryServices, type RegistryServices } from '../../src/compose/registry.js';
import { runCommand } from '../../src/operator/commands.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { deleteRedisPrefix, sharedStoresEnv } from '../helpers/server.js';
import { freePort } from '../helpers/free-port.js';
import { basic, cookieHeader, cookiesFrom, csrfOf, formAction, pkcePair } from '../helpers/oauth-flow.js';

const prefix = `kwtest:${randomBytes(4).toString('hex')}:`;
let servers: ServerProcess[];
let issuer: string;
let registry: RegistryServices;

beforeAll(async () => {
  issuer = `http://127.0.0.1:${await freePort()}`;
  const env = { ...sharedStoresEnv(prefix), ISSUER: issuer };
  servers = await Promise.all([spawnServer(env), spawnServer(env), spawnServer(env)]);
  registry = await buildRegistryServices(loadConfig({ ...env, NODE_ENV: 'test' }), createLogger('silent'));
}, 90_000);

afterAll(async () => {
  await registry?.close();
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await deleteRedisPrefix(inject('redisUrl'), prefix);
});

describe('G55 three replicas, round-robin, no stickiness', () => {
  it('completes authorize, login, consent and token across different processes', async () => {
    const org = String((await runCommand(registry, { name: 'org.create', orgName: 'Scale', plan: 'pro' })).id);
    const email = `scale-${Date.now()}@example.com`;
    await runCommand(registry, { name: 'user.create', email, password: 'correct horse battery', org, role: 'admin' });
    const app = await runCommand(registry, { name: 'client.create', org, clientName: 'Scale app', grants: ['authorization_code'], redirectUris: ['https://app.example/cb'], isPublic: false, introspect: false });
    const clientId = String(app.client_id);
    const clientSecret = String(app.client_secret);

    let turn = 0;
    const next = () => servers[turn++ % servers.length]!.url;
    const jar = new Map<string, string>();
    const on = (path: string) => `${next()}${path}`;
    const get = async (path: string) => {
      const res = await fetch(on(path), { headers: { cookie: cookieHeader(jar) }, redirect: 'manual' });
      cookiesFrom(res, jar);
      return res;
    };
    const post = async (path: string, form: Record<string, string>) => {
      const res = await fetch(on(path), {
        method: 'POST',
        headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded', origin: issuer },
        body: new URLSearchParams(form).toString(),
        redirect: 'manual',
      });
      cookiesFrom(res, jar);
      return res;
    };
    const pathOf = (location: string) => {
      const url = new URL(location, issuer);
      return `${url.pathname}${url.search}`;
    };

    const { verifier, challenge } = pkcePair();
    const query = new URLSearchParams({ client_id: clientId, response_type: 'code', redirect_uri: 'https://app.example/cb', scope: 'invoices:read', code_challenge: challenge, code_challenge_method: 'S256', state: 'rr' });
    let res = await get(`/oauth2/authorize?${query}`);
    let landed: URL | undefined;
    for (let i = 0; i < 12 && !landed; i++) {
      const location = res.headers.get('location');
      if (location) {
        if (location.startsWith('https://app.example/')) landed = new URL(location);
        else res = await get(pathOf(location));
        continue;
      }
      const html = await res.text();
      expect(res.status, html.slice(0, 300)).toBe(200);
      const login = formAction(html, 'login');
      res = login
        ? await post(login, { csrf: csrfOf(html), email, password: 'correct horse battery' })
        : await post(formAction(html, 'confirm')!, { csrf: csrfOf(html) });
    }
    expect(landed?.searchParams.get('state')).toBe('rr');
    expect(turn).toBeGreaterThanOrEqual(3); // every process served a part of the flow

    const token = await fetch(`${servers[0]!.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, clientSecret) },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: landed!.searchParams.get('code')!, redirect_uri: 'https://app.example/cb', code_verifier: verifier }).toString(),
    });
    expect(token.status).toBe(200);
    const tokens = (await token.json()) as { refresh_token: string };
    // The refresh goes to another replica.
    const refreshed = await fetch(`${servers[2]!.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, clientSecret) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }).toString(),
    });
    expect(refreshed.status).toBe(200);
  }, 60_000);

  it('loses no request when a replica is terminated under load (a load balancer retries refused connections)', async () => {
    const org = String((await runCommand(registry, { name: 'org.create', orgName: 'Load', plan: 'pro' })).id);
    const svc = await runCommand(registry, { name: 'client.create', org, clientName: 'svc', grants: ['client_credentials'], redirectUris: [], isPublic: false, introspect: false });
    const auth = basic(String(svc.client_id), String(svc.client_secret));
    const alive = new Set(servers.map((s) => s.url));
    let turn = 0;
    let failed = 0;
    // Counted by phase rather than over a fixed time, so a starved machine still sends requests
    // before, during and after the replica's drain.
    type Phase = 'before' | 'draining' | 'after' | 'done';
    let phase: Phase = 'before';
    const answered: Record<Phase, number> = { before: 0, draining: 0, after: 0, done: 0 };
    const request = async () => {
      const startedIn = phase;
      for (let attempt = 0; attempt < 3; attempt++) {
        const urls = [...alive];
        const url = urls[turn++ % urls.length]!;
        try {
          const res = await fetch(`${url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth, connection: 'close' }, body: 'grant_type=client_credentials' });
          await res.arrayBuffer();
          if (res.status === 200) answered[startedIn]++;
          else failed++;
          return;
        } catch {
          alive.delete(url); // what a load balancer's health check does: stop routing there
        }
      }
      failed++;
    };
    const load = Array.from({ length: 8 }, async () => {
      while (phase !== 'done') await request();
    });
    const reach = async (count: () => number) => {
      while (count() < 50) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    await reach(() => answered.before);
    phase = 'draining';
    const victim = servers.pop()!;
    expect(await victim.stop()).toBe(0); // SIGTERM, as Kubernetes sends: drain, then exit
    phase = 'after';
    await reach(() => answered.after);
    phase = 'done';
    await Promise.all(load);
    expect(answered.draining).toBeGreaterThan(0);
    expect(failed).toBe(0);
  }, 120_000);

  it('a key revoked through one replica is refused by the others within one second', async () => {
    const org = String((await runCommand(registry, { name: 'org.create', orgName: 'Keys', plan: 'pro' })).id);
    const admin = await runCommand(registry, { name: 'key.create', org, keyName: 'admin', scope: 'api-keys:*', ips: [] });
    const victim = await runCommand(registry, { name: 'key.create', org, keyName: 'victim', scope: 'api-keys:read', ips: [] });
    const call = (server: ServerProcess, key: unknown) => fetch(`${server.url}/v1/api-keys`, { headers: { 'x-api-key': String(key) } });
    for (const server of servers) expect((await call(server, victim.key)).status).toBe(200); // cached everywhere
    const revoked = await fetch(`${servers[0]!.url}/v1/api-keys/${String(victim.id)}/revoke`, { method: 'POST', headers: { 'x-api-key': String(admin.key) } });
    expect(revoked.status).toBe(200);
    const started = Date.now();
    for (const server of servers.slice(1)) {
      let status = 200;
      while (status === 200 && Date.now() - started < 1000) status = (await call(server, victim.key)).status;
      expect(status).toBe(401);
    }
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
