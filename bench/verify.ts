// In-process verification: keyward/verify against a bare jose.jwtVerify with a local JWKS,
// on the same token, in the same process.
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createVerifier } from '../src/verify/index.js';

export interface Rate {
  rps: number;
  p50_ms: number;
  p99_ms: number;
}

async function rate(fn: () => Promise<unknown>, seconds: number): Promise<Rate> {
  const warmUntil = performance.now() + Math.min(500, seconds * 250);
  while (performance.now() < warmUntil) await fn();
  const samples: number[] = [];
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const elapsed = (performance.now() - started) / 1000;
  const at = (q: number) => Number(samples[Math.min(samples.length - 1, Math.floor(samples.length * q))]!.toFixed(3));
  return { rps: Math.round(samples.length / elapsed), p50_ms: at(0.5), p99_ms: at(0.99) };
}

export async function benchVerifyJwt(issuer: string, audience: string, token: string, seconds: number) {
  const jwks = createLocalJWKSet((await (await fetch(`${issuer}/oauth2/jwks`)).json()) as { keys: [] });
  const request = { headers: { authorization: `Bearer ${token}` } };
  const baseline = await rate(() => jwtVerify(token, jwks, { issuer, audience, typ: 'at+jwt', algorithms: ['ES256'] }), seconds);
  const uncachedVerifier = createVerifier({ issuer, audience, tokenCacheSize: 0 });
  const uncached = await rate(() => uncachedVerifier.verify(request), seconds);
  const cachedVerifier = createVerifier({ issuer, audience });
  const cached = await rate(() => cachedVerifier.verify(request), seconds);
  return { baseline, uncached, cached };
}
