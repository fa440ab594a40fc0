// client_credentials: POST /oauth2/token, JWT (ES256) access tokens, 50 connections, against
// the bare oidc-provider (memory adapter: it stores nothing for a JWT token either). Two rows
// (issue 18, item 2): through Keyward's fast path, and with the fast paths off
// (CLIENT_CREDENTIALS_FAST_PATH=false REFRESH_TOKEN_FAST_PATH=false: oidc-provider's own
// pipeline), both against the same baseline runs.
import type { Redis } from 'ioredis';
import { peakRssMb } from '../children.js';
import { load, postForm, type RunLength } from '../load.js';
import { alternate, type Measured } from '../rounds.js';
import { makeRow, type Row } from '../results.js';
import type { KeywardInstance } from '../stack.js';
import type { BareProvider } from '../baselines.js';
import type { Fixtures } from '../fixtures.js';

const CONNECTIONS = 50;
export const BARE_MEMORY = 'bare oidc-provider, memory adapter';

/** The Keyward of each row; a row is left out without one. */
export interface ClientCredentialsKeywards {
  /** Fast path on (the default). */
  client_credentials?: KeywardInstance | undefined;
  /** Fast paths off, on the same state. */
  client_credentials_pipeline?: KeywardInstance | undefined;
}

export interface ClientCredentialsRun {
  rounds: number;
  length: RunLength;
  processes: number;
  keywards: ClientCredentialsKeywards;
  bare: BareProvider;
  fixtures: Fixtures;
  redis?: Redis | undefined;
}

export async function clientCredentialsRows(o: ClientCredentialsRun): Promise<Row[]> {
  const body = [`grant_type=client_credentials&scope=${o.fixtures.scope}`];
  const keywards = Object.entries(o.keywards).filter((entry): entry is [string, KeywardInstance] => entry[1] !== undefined);
  const sides: Record<string, () => Promise<Measured>> = {
    bare: () => load(postForm(`${o.bare.url}/token`, CONNECTIONS, { authorization: o.bare.serviceAuthorization }, body), o.length, { serverPid: o.bare.pid }),
  };
  for (const [row, instance] of keywards) {
    sides[row] = () =>
      load(postForm(`${instance.issuer}/oauth2/token`, CONNECTIONS, { authorization: o.fixtures.service.authorization }, body), o.length, { serverPid: instance.pid, redis: o.redis });
  }
  const runs = await alternate(o.rounds, sides);
  const baseline = { name: BARE_MEMORY, runs: runs.bare! };
  return keywards.map(([row, instance]) => makeRow(row, o.processes, runs[row]!, peakRssMb(instance.pid), baseline));
}
