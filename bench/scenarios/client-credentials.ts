// client_credentials: POST /oauth2/token, JWT (ES256) access tokens, 50 connections, against
// the bare oidc-provider (memory adapter: it stores nothing for a JWT token either). Two rows
// (issue 18, item 2): through Keyward's fast path, and with it off (CLIENT_CREDENTIALS_FAST_PATH=
// false: oidc-provider's own pipeline), both against the same baseline runs.
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

export interface ClientCredentialsRun {
  rounds: number;
  length: RunLength;
  processes: number;
  keyward: KeywardInstance;
  /** A Keyward with the fast path off, on the same state; its row is left out without it. */
  pipeline?: KeywardInstance | undefined;
  bare: BareProvider;
  fixtures: Fixtures;
  redis?: Redis | undefined;
}

export async function clientCredentialsRows(o: ClientCredentialsRun): Promise<Row[]> {
  const body = [`grant_type=client_credentials&scope=${o.fixtures.scope}`];
  const keywardRun = (instance: KeywardInstance) => () =>
    load(postForm(`${instance.issuer}/oauth2/token`, CONNECTIONS, { authorization: o.fixtures.service.authorization }, body), o.length, { serverPid: instance.pid, redis: o.redis });
  const sides: Record<string, () => Promise<Measured>> = {
    keyward: keywardRun(o.keyward),
    bare: () => load(postForm(`${o.bare.url}/token`, CONNECTIONS, { authorization: o.bare.serviceAuthorization }, body), o.length, { serverPid: o.bare.pid }),
  };
  if (o.pipeline) sides.pipeline = keywardRun(o.pipeline);
  const runs = await alternate(o.rounds, sides);
  const baseline = { name: BARE_MEMORY, runs: runs.bare! };
  const rows = [makeRow('client_credentials', o.processes, runs.keyward!, peakRssMb(o.keyward.pid), baseline)];
  if (o.pipeline) rows.push(makeRow('client_credentials_pipeline', o.processes, runs.pipeline!, peakRssMb(o.pipeline.pid), baseline));
  return rows;
}
