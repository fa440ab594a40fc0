// /healthz: the process answers. /readyz: every store it depends on answers, within a bound.
import type { Context } from 'koa';

export type Probe = () => Promise<unknown>;

const PROBE_TIMEOUT_MS = 2000;

async function check(probe: Probe): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

export function livenessEndpoint() {
  return (ctx: Context) => {
    ctx.set('cache-control', 'no-store');
    ctx.body = { status: 'ok' };
  };
}

export function readinessEndpoint(probes: Record<string, Probe>, isDraining: () => boolean) {
  return async (ctx: Context) => {
    ctx.set('cache-control', 'no-store');
    const names = Object.keys(probes);
    const results = await Promise.all(names.map((name) => check(probes[name]!)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]]));
    const down = names.filter((_, i) => results[i] === 'down');
    if (down.length === 0 && !isDraining()) {
      ctx.body = { status: 'ready', checks };
      return;
    }
    ctx.status = 503;
    ctx.set('retry-after', '5');
    ctx.body = {
      status: 'unavailable',
      checks,
      error: 'temporarily_unavailable',
      error_description: isDraining() ? 'shutting down' : `unavailable: ${down.join(', ')}`,
    };
  };
}
