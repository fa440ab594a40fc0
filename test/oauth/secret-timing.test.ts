// Checklist B20: the token endpoint's answer time does not depend on how much of a secret is
// right, nor on whether the client exists. Each round sends one request of every series, in a
// random order, and the series are compared by the median of their paired differences: drift
// and bursts of machine load hit both members of a pair alike and cancel, while a real leak
// (an early-exit compare, a skipped hash) shifts every pair the same way. The median
// difference must stay under 10% of the median time. (A Welch t-test at p > 0.01 over loopback
// HTTP on a shared two-core machine fails by chance too often to gate CI.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic } from '../helpers/oauth-flow.js';
import { changeLastCharacter } from '../helpers/tamper.js';

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

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** How far apart two paired series are, relative to the first's median. */
function pairedShift(a: number[], b: number[]): number {
  return Math.abs(median(a.map((x, i) => x - b[i]!))) / median(a);
}

describe('client secret timing (checklist B20)', () => {
  it('does not depend on the position of the first wrong byte, nor on whether the client exists', async () => {
    const { clientId, clientSecret } = client;
    const lastByteWrong = changeLastCharacter(clientSecret);
    const firstByteWrong = `${clientSecret[0] === 'x' ? 'y' : 'x'}${clientSecret.slice(1)}`;
    const series = { lastByteWrong: [] as number[], firstByteWrong: [] as number[], unknownClient: [] as number[] };
    for (let i = 0; i < 50; i++) await timed(clientId, lastByteWrong); // warm-up
    const requests: Array<[keyof typeof series, string, string]> = [
      ['lastByteWrong', clientId, lastByteWrong],
      ['firstByteWrong', clientId, firstByteWrong],
      ['unknownClient', 'cli_00000000000000000000', lastByteWrong],
    ];
    for (let i = 0; i < ROUNDS; i++) {
      for (const [name, id, secret] of [...requests].sort(() => Math.random() - 0.5)) series[name].push(await timed(id, secret));
    }
    expect(pairedShift(series.lastByteWrong, series.firstByteWrong)).toBeLessThan(0.1);
    expect(pairedShift(series.lastByteWrong, series.unknownClient)).toBeLessThan(0.1);
  }, 120_000);
});
