// authorize_flow: whole code + PKCE sign-ins (authorize, login page, login with argon2id,
// consent, code exchange) at a fixed concurrency. No bare counterpart: a sign-in is Keyward's
// own pages around oidc-provider's interactions. Latency is per sign-in; the note has the p50
// and p99 of its single requests.
import type { Redis } from 'ioredis';
import { peakRssMb } from '../children.js';
import { withCpu } from '../load.js';
import { loginFlow, type LoginFlowOptions } from '../login-flow.js';
import { makeRow, type Row } from '../results.js';
import type { KeywardInstance } from '../stack.js';

const CONCURRENCY = 1;
const percentile = (sorted: number[], q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN).toFixed(1));

export async function authorizeFlowRow(keyward: KeywardInstance, signIn: LoginFlowOptions, processes: number, seconds: number, redis?: Redis): Promise<{ row: Row; note: string }> {
  const durations: number[] = [];
  const requests: number[] = [];
  let errors = 0;
  const measured = await withCpu({ serverPid: keyward.pid, redis }, async () => {
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < until) {
          const t = performance.now();
          const result = await loginFlow({ ...signIn, onRequest: (ms) => requests.push(ms) });
          if (result.status === 200) durations.push(performance.now() - t);
          else errors++;
        }
      }),
    );
    durations.sort((a, b) => a - b);
    const rps = Number((durations.length / ((performance.now() - started) / 1000)).toFixed(1));
    return { measured: { rps, p50_ms: percentile(durations, 0.5), p99_ms: percentile(durations, 0.99), errors }, operations: durations.length };
  });
  requests.sort((a, b) => a - b);
  const note = `authorize_flow: ${CONCURRENCY} at a time; latency per sign-in in the row, per request p50 ${percentile(requests, 0.5)} ms, p99 ${percentile(requests, 0.99)} ms`;
  return { row: makeRow('authorize_flow', processes, [measured], peakRssMb(keyward.pid)), note };
}
