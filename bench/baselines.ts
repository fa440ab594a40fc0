// The baselines' servers, started on free ports: the bare oidc-provider (memory adapter, or the
// plain ioredis adapter on the same Redis as Keyward) and the bare HMAC key check.
import { profilerArguments, startServer, type Server } from './children.js';
import { freePort } from './scratch.js';
import { basicAuth } from './login-flow.js';

export interface BareProvider {
  url: string;
  server: Server;
  pid: number;
  /** Refresh tokens it seeded (session-bound, as Keyward's are). */
  refreshSeeds: string[];
  /** The static clients' credentials. */
  serviceAuthorization: string;
  appAuthorization: string;
}

export interface BareProviderStart {
  processes: number;
  refreshSeeds?: number;
  /** The plain ioredis adapter on this Redis, its keys under this prefix; memory adapter otherwise. */
  redis?: { url: string; prefix: string };
  /** --cpu-prof: a V8 CPU profile of the baseline (one process only), written here. */
  cpuProfileDir?: string | undefined;
}

/** tsx, and the profiler when asked for and the baseline runs in one process. */
const baselineArguments = (processes: number, cpuProfileDir: string | undefined) => ['--import', 'tsx', ...(processes === 1 ? profilerArguments(cpuProfileDir) : [])];

export async function startBareProvider(start: BareProviderStart): Promise<BareProvider> {
  const port = await freePort();
  const env: Record<string, string> = { PORT: String(port), BENCH_PROCESSES: String(start.processes), BENCH_REFRESH_SEEDS: String(start.refreshSeeds ?? 0) };
  if (start.redis) Object.assign(env, { BENCH_REDIS_URL: start.redis.url, BENCH_REDIS_PREFIX: start.redis.prefix });
  const server = await startServer('bench/baseline-oidc.ts', env, 'baseline ready', baselineArguments(start.processes, start.cpuProfileDir));
  const printed = /baseline ready (\{.*\})/.exec(server.output())?.[1] ?? '{}';
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    pid: server.child.pid!,
    refreshSeeds: (JSON.parse(printed) as { refreshTokens?: string[] }).refreshTokens ?? [],
    serviceAuthorization: basicAuth('bench', 'bench-secret'),
    appAuthorization: basicAuth('app', 'app-secret'),
  };
}

export interface HmacServer {
  url: string;
  server: Server;
  pid: number;
}

/** The bare HMAC check holding the keys in `keysFile` (one a line). */
export async function startHmacServer(processes: number, keysFile: string, cpuProfileDir?: string): Promise<HmacServer> {
  const port = await freePort();
  const env = { PORT: String(port), BENCH_KEYS_FILE: keysFile, BENCH_PROCESSES: String(processes) };
  const server = await startServer('bench/baseline-hmac.ts', env, 'baseline ready', baselineArguments(processes, cpuProfileDir));
  return { url: `http://127.0.0.1:${port}/`, server, pid: server.child.pid! };
}
