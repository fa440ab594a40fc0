// refresh_token: POST /oauth2/token with grant_type=refresh_token, 50 connections, every
// request presenting a live refresh token and putting the one it got back into the pool
// (autocannon resets its per-connection context between requests, so the pool is shared).
// Keyward's tokens come from real sign-ins. Two baselines, the same rounds (issue 18, item 1):
// the bare oidc-provider on a plain ioredis adapter on the same Redis (the fair one), and on
// its memory adapter. Each run takes fresh seeds: a request cut off at a run's end may have
// rotated its token without the answer arriving, which leaves that chain spent.
import autocannon from 'autocannon';
import type { Redis } from 'ioredis';
import { peakRssMb } from '../children.js';
import { measuredRun, type RunLength } from '../load.js';
import { loginFlow, type LoginFlowOptions } from '../login-flow.js';
import { alternate, type Measured } from '../rounds.js';
import { makeRow, type Row } from '../results.js';
import type { KeywardInstance } from '../stack.js';
import type { BareProvider } from '../baselines.js';
import { BARE_MEMORY } from './client-credentials.js';

export const REFRESH_CONNECTIONS = 50;
const SIGN_INS_AT_ONCE = 4;
export const BARE_REDIS = 'bare oidc-provider, plain ioredis adapter on the same Redis';

/** Seeds a run of `rounds` rounds needs per side: a warm-up and a measured run each round. */
export const refreshSeedsNeeded = (rounds: number) => REFRESH_CONNECTIONS * 2 * rounds;

/** Refresh tokens from whole sign-ins at Keyward, a few at a time. */
export async function signInSeeds(count: number, signIn: LoginFlowOptions): Promise<string[]> {
  const seeds: string[] = [];
  while (seeds.length < count) {
    const batch = await Promise.all(Array.from({ length: SIGN_INS_AT_ONCE }, () => loginFlow(signIn)));
    for (const result of batch) {
      if (!result.refreshToken) throw new Error(`a sign-in for the refresh seeds failed at ${result.step} with ${result.status}`);
      seeds.push(result.refreshToken);
    }
  }
  return seeds;
}

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

export interface RefreshRun {
  rounds: number;
  length: RunLength;
  processes: number;
  keyward: KeywardInstance;
  appAuthorization: string;
  /** Keyward's seeds (refreshSeedsNeeded(rounds) of them). */
  seeds: string[];
  bareRedis?: BareProvider | undefined;
  bareMemory?: BareProvider | undefined;
  redis?: Redis | undefined;
}

export async function refreshTokenRows(o: RefreshRun): Promise<Row[]> {
  const side = (url: string, authorization: string, seeds: string[], serverPid: number) => async () => {
    const take = () => seeds.splice(0, REFRESH_CONNECTIONS);
    await autocannon({ ...rotate(url, authorization, take()), duration: o.length.warmupSeconds });
    return measuredRun(rotate(url, authorization, take()), o.length.seconds, { serverPid, redis: o.redis });
  };
  const sides: Record<string, () => Promise<Measured>> = { keyward: side(`${o.keyward.issuer}/oauth2/token`, o.appAuthorization, [...o.seeds], o.keyward.pid) };
  const bares = { bare_redis: o.bareRedis, bare_memory: o.bareMemory };
  for (const [name, bare] of Object.entries(bares)) {
    if (bare && bare.refreshSeeds.length >= refreshSeedsNeeded(o.rounds)) sides[name] = side(`${bare.url}/token`, bare.appAuthorization, [...bare.refreshSeeds], bare.pid);
  }
  const runs = await alternate(o.rounds, sides);
  const rss = peakRssMb(o.keyward.pid);
  const rows: Row[] = [];
  if (runs.bare_redis) rows.push(makeRow('refresh_token', o.processes, runs.keyward!, rss, { name: BARE_REDIS, runs: runs.bare_redis }));
  else rows.push(makeRow('refresh_token', o.processes, runs.keyward!, rss));
  if (runs.bare_memory) rows.push(makeRow('refresh_token_vs_memory', o.processes, runs.keyward!, rss, { name: BARE_MEMORY, runs: runs.bare_memory }));
  return rows;
}
