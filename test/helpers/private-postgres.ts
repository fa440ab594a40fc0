// A Postgres cluster of the caller's own, in a temporary folder on a free port, that it may stop
// and start (never the shared one on 5432): the fault tests' outages, and `npm test`'s database
// when nothing answers on TEST_DATABASE_URL (private-services.ts).
import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './free-port.js';

export interface PrivatePostgres {
  /** The superuser `postgres` on the `postgres` database: trust auth, 127.0.0.1 only. */
  url: string;
  /** The temporary folder: data, socket and log. */
  dir: string;
  start(): void;
  /** A fast shutdown: connected clients are cut off, as in an outage. */
  stop(): void;
  /** Stops the server and deletes its folder. */
  remove(): void;
}

/** Who runs the server: a user id and group, and the name to switch to when we are root. */
export interface PostgresOwner {
  uid: number;
  gid: number;
  runAs: string | undefined;
}

const DEBIAN_VERSIONS = '/usr/lib/postgresql';
const PROGRAMS = ['initdb', 'pg_ctl'];

/**
 * The folder holding initdb and pg_ctl: TEST_POSTGRES_BIN when set (and only it), else the
 * first on PATH, else the newest of Debian's /usr/lib/postgresql/<version>/bin (not on PATH).
 */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const hasPrograms = (dir: string) => PROGRAMS.every((name) => existsSync(join(dir, name)));
  if (env.TEST_POSTGRES_BIN) return hasPrograms(env.TEST_POSTGRES_BIN) ? env.TEST_POSTGRES_BIN : undefined;
  const onPath = (env.PATH ?? '').split(delimiter).filter(Boolean).find(hasPrograms);
  if (onPath) return onPath;
  const versions = existsSync(DEBIAN_VERSIONS) ? readdirSync(DEBIAN_VERSIONS).filter((v) => /^\d+$/.test(v)) : [];
  return versions
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(DEBIAN_VERSIONS, version, 'bin'))
    .find(hasPrograms);
}

/**
 * Postgres refuses to run as root, so root runs it as the `postgres` user (Debian's package
 * creates it); anyone else runs it as themselves. Undefined: root, and no such user.
 */
export function postgresOwner(): PostgresOwner | undefined {
  const uid = process.getuid?.();
  if (uid !== 0) return { uid: uid ?? 0, gid: process.getgid?.() ?? 0, runAs: undefined };
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { stdio: 'pipe' }).toString());
    return { uid: id('-u'), gid: id('-g'), runAs: 'postgres' };
  } catch {
    return undefined;
  }
}

export async function privatePostgres(bin = findPostgresBin()): Promise<PrivatePostgres> {
  if (!bin) throw new Error(`no ${PROGRAMS.join(' and ')} on PATH or in ${DEBIAN_VERSIONS}/*/bin`);
  const owner = postgresOwner();
  if (!owner) throw new Error('Postgres will not run as root, and there is no postgres user to run it as');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'keyward-pg-'));
  const data = join(dir, 'data');
  chownSync(dir, owner.uid, owner.gid);
  const run = (program: string, args: string[]) => {
    const command = owner.runAs ? ['runuser', '-u', owner.runAs, '--', join(bin, program), ...args] : [join(bin, program), ...args];
    execFileSync(command[0]!, command.slice(1), { cwd: dir, stdio: 'pipe' });
  };
  const postgres: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    start() {
      run('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', '-s', 'start']);
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-s', 'stop']);
      } catch {
        // not running
      }
    },
    remove() {
      postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync']);
    appendFileSync(
      join(data, 'postgresql.conf'),
      [
        `port = ${port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${dir}'`,
        // A throwaway cluster: a crash may lose it whole, so no fsync to wait for.
        'fsync = off',
        '',
      ].join('\n'),
    );
    postgres.start();
  } catch (err) {
    postgres.remove();
    throw err;
  }
  return postgres;
}
