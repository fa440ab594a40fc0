// In-process verification: @keyward/verify against a bare jose.jwtVerify with a local JWKS, in
// the same process. JWTs are checked locally; API keys are introspected at Keyward (uncached:
// one introspection per call; cached: the kit's short answer cache). Each variant and the
// baseline take turns over `rounds` rounds, as the HTTP scenarios do, so drift in the
// machine's load hits them alike; each row's ratio is the median of the per-round ratios.
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createVerifier } from '@keyward/verify';
import type { Measured } from '../rounds.js';
import { makeRow, type Row } from '../results.js';

type Rate = Measured;

async function rate(fn: () => Promise<unknown>, seconds: number): Promise<Rate> {
  const warmUntil = performance.now() + Math.min(500, seconds * 250);
  while (performance.now() < warmUntil) await fn();
  const samples: number[] = [];
  let errors = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    const t = performance.now();
    await fn().catch(() => errors++);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const elapsed = (performance.now() - started) / 1000;
  const at = (q: number) => Number(samples[Math.min(samples.length - 1, Math.floor(samples.length * q))]!.toFixed(3));
  return { rps: Math.round(samples.length / elapsed), p50_ms: at(0.5), p99_ms: at(0.99), errors };
}

export interface VerifyRun {
  issuer: string;
  audience: string;
  token: string;
  apiKey: string;
  introspection: { clientId: string; clientSecret: string };
  /** Seconds per variant, split over the rounds. */
  seconds: number;
  rounds: number;
  processes: number;
}

export async function verifyRows(o: VerifyRun): Promise<Row[]> {
  const { issuer, audience, token } = o;
  const jwks = createLocalJWKSet((await (await fetch(`${issuer}/oauth2/jwks`)).json()) as { keys: [] });
  const bearer = { headers: { authorization: `Bearer ${token}` } };
  const keyed = { headers: { 'x-api-key': o.apiKey } };
  const uncachedJwt = createVerifier({ issuer, audience, tokenCacheSize: 0 });
  const cachedJwt = createVerifier({ issuer, audience });
  const uncachedKey = createVerifier({ issuer, audience, introspection: o.introspection, cacheTtl: 0 });
  const cachedKey = createVerifier({ issuer, audience, introspection: o.introspection });
  const variants = {
    baseline: () => jwtVerify(token, jwks, { issuer, audience, typ: 'at+jwt', algorithms: ['ES256'] }),
    jwtUncached: () => uncachedJwt.verify(bearer),
    jwtCached: () => cachedJwt.verify(bearer),
    keyUncached: () => uncachedKey.verify(keyed),
    keyCached: () => cachedKey.verify(keyed),
  };
  const runs = Object.fromEntries(Object.keys(variants).map((name) => [name, [] as Rate[]])) as Record<keyof typeof variants, Rate[]>;
  const order = Object.entries(variants) as [keyof typeof variants, () => Promise<unknown>][];
  for (let round = 0; round < o.rounds; round++) {
    for (const [name, fn] of round % 2 ? [...order].reverse() : order) runs[name].push(await rate(fn, o.seconds / o.rounds));
  }
  const baseline = { name: 'bare jose.jwtVerify, local JWKS', runs: runs.baseline };
  const rss = Math.round(process.memoryUsage().rss / 1e6);
  return [
    makeRow('verify_jwt_uncached', o.processes, runs.jwtUncached, rss, baseline),
    makeRow('verify_jwt_cached', o.processes, runs.jwtCached, rss, baseline),
    makeRow('verify_api_key_uncached', o.processes, runs.keyUncached, rss, baseline),
    makeRow('verify_api_key_cached', o.processes, runs.keyCached, rss, baseline),
  ];
}
