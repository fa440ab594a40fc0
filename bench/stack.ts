// What the bench measures against, started and torn down: Postgres and Redis on 127.0.0.1 when
// they answer (a scratch database and Redis key prefix, removed afterwards) or the embedded mode
// otherwise; Keyward instances on that state (several may run at once, as replicas do); the
// baselines. Keyward is the production build, alone in one process or under node:cluster
// (keyward-process.ts).
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/lib/logger.js';
import { buildRegistryServices } from '../src/compose/registry.js';
import { runCommand, type Command, type CommandResult } from '../src/operator/commands.js';
import { sendControlCommand } from '../src/control/client.js';
import { profilerArguments, startServer, type Server } from './children.js';
import { createScratchDatabase, deleteKeysWithPrefix, freePort } from './scratch.js';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Stack {
  /** Postgres + Redis (true) or the embedded mode (PGlite, one process). */
  external: boolean;
  backend: string;
  /** The scratch database (external only). */
  databaseUrl: string | undefined;
  /** Every Redis key the bench writes starts with this. */
  prefix: string;
  dataDir: string;
  /** Runs an operator command the way an operator would: on Postgres, or through the embedded server's control socket. */
  command(command: Command): Promise<CommandResult>;
  /** Remembers the first Keyward's environment: operator commands run under it. */
  started(env: Record<string, string>): void;
  /** Writes lines to a file of the run's own, removed at the end; returns its path. */
  scratchFile(name: string, lines: readonly string[]): string;
  cleanup(): Promise<void>;
}

async function reachable(): Promise<boolean> {
  try {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 1000 });
    await client.connect();
    await client.end();
    const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
    await redis.connect();
    redis.disconnect();
    return true;
  } catch {
    return false;
  }
}

export async function prepareStack(): Promise<Stack> {
  const external = await reachable();
  const dataDir = join(tmpdir(), `keyward-bench-${process.pid}`);
  const prefix = `kwbench:${randomBytes(4).toString('hex')}:`;
  const scratch = external ? await createScratchDatabase(ADMIN_URL, 'bench') : undefined;
  const files: string[] = [];
  let firstEnv: Record<string, string> | undefined;
  let registry: Awaited<ReturnType<typeof buildRegistryServices>> | undefined;
  const stack: Stack = {
    external,
    backend: external ? 'Postgres + Redis' : 'embedded (PGlite + SQL adapter)',
    databaseUrl: scratch?.url,
    prefix,
    dataDir,
    async command(command) {
      if (!external) return sendControlCommand(dataDir, command);
      if (!firstEnv) throw new Error('start a Keyward before running commands (it migrates the database)');
      registry ??= await buildRegistryServices(loadConfig(firstEnv), createLogger('silent'));
      return runCommand(registry, command);
    },
    started(env) {
      firstEnv ??= env;
    },
    scratchFile(name, lines) {
      const path = join(tmpdir(), `keyward-bench-${process.pid}-${name}`);
      writeFileSync(path, `${lines.join('\n')}\n`);
      files.push(path);
      return path;
    },
    async cleanup() {
      await registry?.close();
      for (const file of files) rmSync(file, { force: true });
      rmSync(dataDir, { recursive: true, force: true });
      if (scratch) {
        await scratch.drop();
        const redis = new Redis(REDIS_URL);
        await deleteKeysWithPrefix(redis, prefix);
        redis.disconnect();
      }
    },
  };
  return stack;
}

/** Keyward's environment on the stack's state, listening on `port`. */
function keywardEnv(stack: Stack, port: number, over: { databaseUrl?: string | undefined; redisUrl?: string | undefined } = {}): Record<string, string> {
  const issuer = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = { NODE_ENV: 'test', PORT: String(port), ISSUER: issuer, KEYWARD_SECRET: SECRET, DATA_DIR: stack.dataDir, LOG_LEVEL: 'warn' };
  if (stack.external) Object.assign(env, { DATABASE_URL: over.databaseUrl ?? stack.databaseUrl!, REDIS_URL: over.redisUrl ?? REDIS_URL, REDIS_KEY_PREFIX: stack.prefix });
  return env;
}

export interface KeywardInstance {
  issuer: string;
  server: Server;
  /** The primary's pid: its tree holds the workers, whose CPU the bench reads. */
  pid: number;
}

export interface KeywardStart {
  processes: number;
  /** Both token fast paths, client credentials and refresh (default on); off is oidc-provider's pipeline alone. */
  fastPath?: boolean;
  cpuProfileDir?: string | undefined;
  /** Another build's entry point (one process only; bench/compare-builds.ts); dist/main.js otherwise. */
  entry?: string;
  /** Other addresses for Postgres and Redis (the counting proxies). */
  databaseUrl?: string;
  redisUrl?: string;
}

/** Starts a Keyward on the stack; ready when /readyz answers. Start instances one at a time (the first migrates). */
export async function startKeyward(stack: Stack, start: KeywardStart): Promise<KeywardInstance> {
  const port = await freePort();
  const fastPath = String(start.fastPath ?? true);
  const env: Record<string, string> = { ...keywardEnv(stack, port, start), BENCH_PROCESSES: String(start.processes), CLIENT_CREDENTIALS_FAST_PATH: fastPath, REFRESH_TOKEN_FAST_PATH: fastPath };
  const issuer = env.ISSUER!;
  // One process runs as the baselines' one process does, without node:cluster handing it connections.
  const server =
    start.processes === 1
      ? await startServer(start.entry ?? 'dist/main.js', env, `${issuer}/readyz`, profilerArguments(start.cpuProfileDir))
      : await startServer('bench/keyward-process.ts', start.cpuProfileDir ? { ...env, BENCH_CPU_PROF: start.cpuProfileDir } : env, `${issuer}/readyz`);
  stack.started(env);
  return { issuer, server, pid: server.child.pid! };
}

/** The address of the same database through another port on 127.0.0.1 (a counting proxy). */
export function throughPort(url: string, port: number): string {
  const moved = new URL(url);
  moved.hostname = '127.0.0.1';
  moved.port = String(port);
  return moved.toString();
}
