// One throwaway database per test run, created here and dropped at the end, on the Postgres and
// Redis of TEST_DATABASE_URL / TEST_REDIS_URL, or on private ones started for the run when
// nothing answers there (private-services.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { testServices } from './private-services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    adminDatabaseUrl: string;
    redisUrl: string;
  }
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

export default async function setup(project: TestProject) {
  const services = await testServices();
  // Also on Ctrl-C: vitest then exits without calling the teardown below.
  process.once('exit', services.stop);
  for (const s of services.started) {
    process.stdout.write(`npm test: nothing answered for ${s.service}; a private one for this run at ${s.url} in ${s.dir}\n`);
  }
  const name = `keyward_test_${randomBytes(6).toString('hex')}`;
  try {
    await adminQuery(services.adminDatabaseUrl, `create database ${name}`);
  } catch (err) {
    services.stop();
    throw err;
  }
  const url = new URL(services.adminDatabaseUrl);
  url.pathname = `/${name}`;
  project.provide('databaseUrl', url.toString());
  project.provide('adminDatabaseUrl', services.adminDatabaseUrl);
  project.provide('redisUrl', services.redisUrl);

  return async () => {
    try {
      await adminQuery(services.adminDatabaseUrl, `drop database if exists ${name} with (force)`);
    } finally {
      services.stop();
    }
  };
}
