// Checklist B20: the token endpoint's answer time does not depend on how much of a secret is
// right, nor on whether the client exists. Requests are interleaved so drift in machine load
// hits every series alike; 10%-trimmed means must agree within 10%. (A Welch t-test at
// p > 0.01 over loopback HTTP on a shared two-core machine fails by chance too often to gate
// CI; the trimmed-mean bound still catches any leak large enough to measure over a network.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic } from '../helpers/oauth-flow.js';

const ROUNDS = 400;
let server: TestServer;
let client: { clientId: string; clientSecret: string };

beforeAll(async () => {
  server = await startTestServer();
  client = await server.createClient({ org: await server.createOrg(), grants: ['client_credentials'] });
});
afterAll(() => server.stop());

async function timed(id: string, secret: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(id, secret) },
    body: 'grant_type=client_credentials',
  });
  await res.arrayBuffer();
  expect(res.status).toBe(401);
  return performance.now() - started;
}

function trimmedMean(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const cut = Math.floor(sorted.length * 0.1);
  const kept = sorted.slice(cut, sorted.length - cut);
  return kept.reduce((sum, x) => sum + x, 0) / kept.length;
}

describe('client secret timing (checklist B20)', () => {
  it('does not depend on the position of the first wrong byte, nor on whether the client exists', async () => {
    const { clientId, clientSecret } = client;
    const lastByteWrong = `${clientSecret.slice(0, -1)}${clientSecret.endsWith('a') ? 'b' : 'a'}`;
    const firstByteWrong = `${clientSecret[0] === 'x' ? 'y' : 'x'}${clientSecret.slice(1)}`;
    const series = { lastByteWrong: [] as number[], firstByteWrong: [] as number[], unknownClient: [] as number[] };
    for (let i = 0; i < 50; i++) await timed(clientId, lastByteWrong); // warm-up
    for (let i = 0; i < ROUNDS; i++) {
      series.lastByteWrong.push(await timed(clientId, lastByteWrong));
      series.firstByteWrong.push(await timed(clientId, firstByteWrong));
      series.unknownClient.push(await timed('cli_00000000000000000000', lastByteWrong));
    }
    const last = trimmedMean(series.lastByteWrong);
    const first = trimmedMean(series.firstByteWrong);
    const unknown = trimmedMean(series.unknownClient);
    expect(Math.abs(last - first) / Math.min(last, first)).toBeLessThan(0.1);
    expect(Math.abs(last - unknown) / Math.min(last, unknown)).toBeLessThan(0.1);
  }, 120_000);
});
