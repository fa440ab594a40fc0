// introspect_api_key: POST /oauth2/introspect of API keys by a resource-server client, 50
// connections, each request presenting the next key of a pool of 1,000 (issue 18, item 3), so
// Keyward's key cache holds as many entries as in production. The baseline is the bare HMAC
// check holding the same keys, presented in the same order.
import type { Redis } from 'ioredis';
import { peakRssMb } from '../children.js';
import { load, postForm, type RunLength } from '../load.js';
import { alternate } from '../rounds.js';
import { makeRow, type Row } from '../results.js';
import type { KeywardInstance } from '../stack.js';
import type { HmacServer } from '../baselines.js';
import type { Fixtures } from '../fixtures.js';

const CONNECTIONS = 50;

export interface IntrospectionRun {
  rounds: number;
  length: RunLength;
  processes: number;
  keyward: KeywardInstance;
  hmac: HmacServer;
  fixtures: Fixtures;
  redis?: Redis | undefined;
}

/** Both sides must find the keys (an inactive answer is a 200 too, and far cheaper). */
async function assertActive(url: string, headers: Record<string, string>, key: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: `token=${key}` });
  const answer = (await res.json()) as { active?: boolean };
  if (res.status !== 200 || answer.active !== true) throw new Error(`${url} did not find an API key of the pool: ${res.status} ${JSON.stringify(answer)}`);
}

export async function introspectionRows(o: IntrospectionRun): Promise<Row[]> {
  const keywardUrl = `${o.keyward.issuer}/oauth2/introspect`;
  const headers = { authorization: o.fixtures.service.authorization };
  for (const key of [o.fixtures.apiKeys[0]!, o.fixtures.apiKeys.at(-1)!]) {
    await assertActive(keywardUrl, headers, key);
    await assertActive(o.hmac.url, {}, key);
  }
  const bodies = o.fixtures.apiKeys.map((key) => `token=${key}`);
  const runs = await alternate(o.rounds, {
    keyward: () => load(postForm(keywardUrl, CONNECTIONS, headers, bodies), o.length, { serverPid: o.keyward.pid, redis: o.redis }),
    hmac: () => load(postForm(o.hmac.url, CONNECTIONS, {}, bodies), o.length, { serverPid: o.hmac.pid }),
  });
  const name = `bare HMAC-SHA256 + Map lookup, ${o.fixtures.apiKeys.length.toLocaleString('en-US')} keys`;
  return [makeRow('introspect_api_key', o.processes, runs.keyward, peakRssMb(o.keyward.pid), { name, runs: runs.hmac })];
}
