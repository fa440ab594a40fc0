// `npm test` on a fresh machine (test/helpers/private-services.ts): the servers that answer are
// used as they are, private ones are started where nothing listens and leave nothing behind, and
// everything else fails at once in one line.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { postgresAnswersOn, redisAnswersOn, SetupError, testServices } from '../helpers/private-services.js';

const emptyBin = mkdtempSync(join(tmpdir(), 'keyward-no-bin-'));
afterAll(() => rmSync(emptyBin, { recursive: true, force: true }));

/** Where nothing listens: a port the OS just handed out and nobody took. */
const nowhere = async () => ({
  TEST_DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`,
  TEST_REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
});

describe('npm test services', () => {
  it('uses the Postgres and Redis that answer, and starts nothing', async () => {
    const env = { TEST_DATABASE_URL: inject('adminDatabaseUrl'), TEST_REDIS_URL: inject('redisUrl'), PATH: '' };
    const services = await testServices(env);
    expect(services).toMatchObject({ adminDatabaseUrl: env.TEST_DATABASE_URL, redisUrl: env.TEST_REDIS_URL, started: [] });
    services.stop();
    expect(await postgresAnswersOn(env.TEST_DATABASE_URL)).toBe(true);
  });

  it('starts a private Postgres and Redis where nothing listens, and removes both at stop', async () => {
    const env = { ...(await nowhere()), PATH: process.env.PATH };
    expect(await postgresAnswersOn(env.TEST_DATABASE_URL)).toBe(false);
    expect(await redisAnswersOn(env.TEST_REDIS_URL)).toBe(false);
    const services = await testServices(env);
    try {
      expect(services.started.map((s) => s.service)).toEqual(['postgres', 'redis']);
      expect(services.adminDatabaseUrl).not.toBe(env.TEST_DATABASE_URL);
      const db = new pg.Client({ connectionString: services.adminDatabaseUrl });
      await db.connect();
      await db.query('create database keyward_private_check');
      expect((await db.query('select rolsuper from pg_roles where rolname = current_user')).rows).toEqual([{ rolsuper: true }]);
      await db.end();
      const redis = new Redis(services.redisUrl);
      expect(await redis.ping()).toBe('PONG');
      redis.disconnect();
      for (const s of services.started) expect(existsSync(s.dir)).toBe(true);
    } finally {
      services.stop();
    }
    for (const s of services.started) expect(existsSync(s.dir), s.dir).toBe(false);
    expect(await postgresAnswersOn(services.adminDatabaseUrl)).toBe(false);
    expect(await redisAnswersOn(services.redisUrl)).toBe(false);
    services.stop(); // twice: the exit hook calls it again after the teardown
  }, 60_000);

  it('fails in one line when a server answers but refuses the login, and starts nothing', async () => {
    const answering = { TEST_DATABASE_URL: inject('adminDatabaseUrl'), TEST_REDIS_URL: inject('redisUrl'), PATH: process.env.PATH };
    const postgres = new URL(answering.TEST_DATABASE_URL);
    postgres.username = 'no_such_role';
    await expect(testServices({ ...answering, TEST_DATABASE_URL: postgres.toString() })).rejects.toThrow(
      new SetupError(`npm test cannot use TEST_DATABASE_URL (${postgres.host}): role "no_such_role" does not exist`),
    );
    const redis = new URL(answering.TEST_REDIS_URL);
    redis.username = 'nobody';
    redis.password = 'secret-in-the-url';
    const refusal = await testServices({ ...answering, TEST_REDIS_URL: redis.toString() }).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(SetupError);
    expect((refusal as Error).message).toMatch(new RegExp(`^npm test cannot use TEST_REDIS_URL \\(${redis.host}\\): WRONGPASS [^\\n]+$`));
    expect((refusal as Error).message).not.toContain('secret-in-the-url');
  });

  it('names what to install, in one line and without a stack, when the binaries are missing', async () => {
    const env = await nowhere();
    const failure = await testServices({ ...env, PATH: '', TEST_POSTGRES_BIN: emptyBin }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(SetupError);
    expect((failure as Error).message).toBe(
      `npm test found nothing on TEST_DATABASE_URL (${new URL(env.TEST_DATABASE_URL).host}) or TEST_REDIS_URL (${new URL(env.TEST_REDIS_URL).host}) ` +
        'and needs PostgreSQL (initdb, pg_ctl) and Redis (redis-server, redis-cli) to start its own: ' +
        'apt-get install postgresql redis-server, or set TEST_DATABASE_URL and TEST_REDIS_URL',
    );
    // vitest prints the stacks an error carries; a setup failure carries none.
    expect((failure as SetupError).stacks).toEqual([]);
    // Only what is needed is named: here Postgres answers.
    await expect(testServices({ ...env, PATH: '', TEST_DATABASE_URL: inject('adminDatabaseUrl') })).rejects.toThrow(
      new SetupError(
        `npm test found nothing on TEST_REDIS_URL (${new URL(env.TEST_REDIS_URL).host}) and needs Redis (redis-server, redis-cli) ` +
          'to start its own: apt-get install redis-server, or set TEST_REDIS_URL',
      ),
    );
  });
});
