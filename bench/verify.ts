// In-process verification: @keyward/verify against a bare jose.jwtVerify with a local JWKS, in
// the same process. JWTs are checked locally; API keys are introspected at Keyward (uncached:
// one introspection per call; cached: the kit's short answer cache). Each variant and the
// baseline take turns over `rounds` rounds, as the HTTP scenarios do, so drift in the
// machine's load hits them alike.
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createVerifier } from '@keyward/verify';

export interface Rate {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

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

function mean(rates: Rate[]): Rate {
  const avg = (pick: (r: Rate) => number) => Number((rates.reduce((sum, r) => sum + pick(r), 0) / rates.length).toFixed(3));
  return { rps: Math.round(avg((r) => r.rps)), p50_ms: avg((r) => r.p50_ms), p99_ms: avg((r) => r.p99_ms), errors: rates.reduce((sum, r) => sum + r.errors, 0) };
}

export async function benchVerify(o: { issuer: string; audience: string; token: string; apiKey: string; introspection: { clientId: string; clientSecret: string }; seconds: number; rounds: number }) {
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
  for (let round = 0; round < o.rounds; round++) {
    for (const [name, fn] of Object.entries(variants) as [keyof typeof variants, () => Promise<unknown>][]) runs[name].push(await rate(fn, o.seconds / o.rounds));
  }
  return {
    baseline: mean(runs.baseline),
    jwtUncached: mean(runs.jwtUncached),
    jwtCached: mean(runs.jwtCached),
    keyUncached: mean(runs.keyUncached),
    keyCached: mean(runs.keyCached),
  };
}
