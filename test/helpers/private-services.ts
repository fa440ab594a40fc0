// `npm test`'s Postgres and Redis: the servers on TEST_DATABASE_URL and TEST_REDIS_URL when they
// answer; when nothing listens there (connection refused), private ones in a temporary folder
// for the run (private-postgres.ts, private-redis.ts). Anything else, such as a refused login or
// a host that never answers, and missing binaries, fail at once in one line.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { findPostgresBin, postgresOwner, privatePostgres } from './private-postgres.js';
import { privateRedis } from './private-redis.js';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const PROBE_TIMEOUT_MS = 3000;

export interface TestServices {
  adminDatabaseUrl: string;
  redisUrl: string;
  /** The private servers started for the run, by URL: empty when both answered. */
  started: Array<{ service: 'postgres' | 'redis'; url: string; dir: string }>;
  /** Stops and deletes the private servers (never the ones that answered); safe to call twice. */
  stop(): void;
}

/**
 * An error vitest prints as its message alone: it shows the `stacks` an error carries, and
 * these carry none (a setup failure is a sentence about the machine, not about our code).
 */
export class SetupError extends Error {
  readonly stacks = [];
}

export async function testServices(env: NodeJS.ProcessEnv = process.env): Promise<TestServices> {
  const databaseUrl = env.TEST_DATABASE_URL || DEFAULT_DATABASE_URL;
  const redisUrl = env.TEST_REDIS_URL || DEFAULT_REDIS_URL;
  const [postgresAnswers, redisAnswers] = await Promise.all([postgresAnswersOn(databaseUrl), redisAnswersOn(redisUrl)]);
  // Everything missing is named before anything starts, so a failure leaves nothing behind.
  const postgresBin = postgresAnswers ? undefined : findPostgresBin(env);
  const missing: Missing[] = [];
  if (!postgresAnswers && !postgresBin) {
    missing.push({ variable: 'TEST_DATABASE_URL', url: databaseUrl, needs: 'PostgreSQL (initdb, pg_ctl)', install: 'postgresql' });
  }
  if (!redisAnswers && !onPath(['redis-server', 'redis-cli'], env.PATH)) {
    missing.push({ variable: 'TEST_REDIS_URL', url: redisUrl, needs: 'Redis (redis-server, redis-cli)', install: 'redis-server' });
  }
  if (missing.length > 0) throw missingBinaries(missing);
  if (postgresBin && !postgresOwner()) {
    throw new SetupError(
      'npm test runs as root, which Postgres refuses, and there is no postgres user to run it as: ' +
        'apt-get install postgresql creates one, or set TEST_DATABASE_URL',
    );
  }

  const started: TestServices['started'] = [];
  const removers: Array<() => void> = [];
  const stop = () => {
    while (removers.length > 0) removers.pop()!();
  };
  try {
    if (postgresBin) {
      const postgres = await privatePostgres(postgresBin);
      removers.push(() => postgres.remove());
      started.push({ service: 'postgres', url: postgres.url, dir: postgres.dir });
    }
    if (!redisAnswers) {
      const redis = await privateRedis();
      removers.push(() => redis.remove());
      started.push({ service: 'redis', url: redis.url, dir: redis.dir });
    }
  } catch (err) {
    stop();
    throw err;
  }
  return {
    adminDatabaseUrl: started.find((s) => s.service === 'postgres')?.url ?? databaseUrl,
    redisUrl: started.find((s) => s.service === 'redis')?.url ?? redisUrl,
    started,
    stop,
  };
}

/** True when Postgres lets us in; false when nothing listens; a SetupError otherwise. */
export async function postgresAnswersOn(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on('error', () => {}); // the rejection below says it
  try {
    await client.connect();
    return true;
  } catch (err) {
    if (nothingListens(err)) return false;
    throw probeFailure('TEST_DATABASE_URL', url, err);
  } finally {
    await client.end().catch(() => {});
  }
}

/** True when Redis answers PING; false when nothing listens; a SetupError otherwise. */
export async function redisAnswersOn(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    commandTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let connectError: unknown;
  redis.on('error', (err) => (connectError ??= err));
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch (err) {
    // ioredis rejects with "Connection is closed." and tells why through its 'error' event.
    const cause = connectError ?? err;
    if (nothingListens(cause)) return false;
    throw probeFailure('TEST_REDIS_URL', url, cause);
  } finally {
    redis.disconnect();
  }
}

/** Connection refused: no server there (or only its socket file's absence, for a Unix socket). */
function nothingListens(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const errors = (err as { errors?: unknown[] } | undefined)?.errors;
  // Node tries every address of a name (localhost: ::1 and 127.0.0.1) and reports them together.
  if (Array.isArray(errors) && errors.length > 0) return errors.every(nothingListens);
  return code === 'ECONNREFUSED' || code === 'ENOENT';
}

function probeFailure(variable: string, url: string, err: unknown): SetupError {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
  return new SetupError(`npm test cannot use ${variable} (${where(url)}): ${message || 'no answer'}`);
}

/** A service nothing answers for, and what starting our own would take. */
interface Missing {
  variable: string;
  url: string;
  needs: string;
  install: string;
}

function missingBinaries(missing: Missing[]): SetupError {
  const nothingOn = missing.map((m) => `${m.variable} (${where(m.url)})`).join(' or ');
  return new SetupError(
    `npm test found nothing on ${nothingOn} and needs ${missing.map((m) => m.needs).join(' and ')} to start its own: ` +
      `apt-get install ${missing.map((m) => m.install).join(' ')}, or set ${missing.map((m) => m.variable).join(' and ')}`,
  );
}

function onPath(programs: string[], path = ''): boolean {
  const dirs = path.split(delimiter).filter(Boolean);
  return programs.every((program) => dirs.some((dir) => existsSync(join(dir, program))));
}

/** host:port only: a URL may carry a password, and this goes to the terminal. */
function where(url: string): string {
  try {
    const { hostname, port } = new URL(url);
    return port ? `${hostname}:${port}` : hostname;
  } catch {
    return 'not a URL';
  }
}
