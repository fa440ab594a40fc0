// Builds and starts a real Keyward (real Postgres, real Redis, real HTTP) for one test file.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { buildServices, type Services } from '../../src/compose/services.js';
import { createLogger } from '../../src/lib/logger.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { runCommand } from '../../src/operator/commands.js';
import { freePort } from './free-port.js';
import type { TestUser } from './oauth-flow.js';


export interface TestServer {
  url: string;
  services: Services;
  running: RunningServer;
  /** Every log line the server wrote, for checks that no secret reaches a log. */
  logs: string[];
  createOrg(plan?: string): Promise<string>;
  createClient(options: {
    org: string;
    grants: string[];
    redirectUris?: string[];
    scope?: string;
    isPublic?: boolean;
    introspect?: boolean;
    authMethod?: string;
    jwks?: { keys: object[] };
  }): Promise<{ clientId: string; clientSecret: string }>;
  /** A user with the given memberships (role admin unless said otherwise). */
  createUser(memberships: Array<string | { org: string; role: 'admin' | 'member' }>): Promise<TestUser>;
  stop(): Promise<void>;
}

/** Every server on the shared test database must use this secret: it seals the signing keys. */
export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';

/** A replica's environment on the suite's Postgres and Redis, under its own Redis key prefix. */
export function sharedStoresEnv(redisKeyPrefix: string): Record<string, string> {
  return { DATABASE_URL: inject('databaseUrl'), REDIS_URL: inject('redisUrl'), REDIS_KEY_PREFIX: redisKeyPrefix, KEYWARD_SECRET: TEST_SECRET };
}

export interface TestServerOptions {
  /** false: embedded mode (PGlite + SQL adapter) in a fresh DATA_DIR. */
  external?: boolean;
  env?: Record<string, string>;
  dataDir?: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const external = options.external ?? true;
  const port = await freePort();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'keyward-test-'));
  const prefix = `kwtest:${randomBytes(4).toString('hex')}:`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    KEYWARD_SECRET: TEST_SECRET,
    DATA_DIR: dataDir,
    REDIS_KEY_PREFIX: prefix,
    LOG_LEVEL: 'info',
    ...(external ? { DATABASE_URL: inject('databaseUrl'), REDIS_URL: inject('redisUrl') } : {}),
    // `npm run test:without-fast-path` runs suites with every token request on oidc-provider.
    ...(process.env.CLIENT_CREDENTIALS_FAST_PATH ? { CLIENT_CREDENTIALS_FAST_PATH: process.env.CLIENT_CREDENTIALS_FAST_PATH } : {}),
    ...(process.env.REFRESH_TOKEN_FAST_PATH ? { REFRESH_TOKEN_FAST_PATH: process.env.REFRESH_TOKEN_FAST_PATH } : {}),
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const services = await buildServices(config, createLogger(config.logLevel, sink));
  const running = await startServer(services, port, '127.0.0.1');
  const url = config.issuer;

  return {
    url,
    services,
    running,
    logs,
    async createOrg(plan = 'council') {
      const result = await runCommand(services, { name: 'org.create', orgName: 'Test Org', plan });
      return String(result.id);
    },
    async createClient(o) {
      const result = await runCommand(services, {
        name: 'client.create',
        org: o.org,
        clientName: 'Test Client',
        grants: o.grants,
        redirectUris: o.redirectUris ?? [],
        scope: o.scope,
        isPublic: o.isPublic ?? false,
        introspect: o.introspect ?? false,
        authMethod: o.authMethod,
        jwks: o.jwks,
      });
      return { clientId: String(result.client_id), clientSecret: String(result.client_secret ?? '') };
    },
    async createUser(memberships) {
      const email = `user-${randomBytes(6).toString('hex')}@example.com`;
      const password = `pw-${randomBytes(9).toString('base64url')}`;
      const user = await runCommand(services, { name: 'user.create', email, password, role: 'member' });
      for (const m of memberships) {
        const { org, role } = typeof m === 'string' ? { org: m, role: 'admin' as const } : m;
        await runCommand(services, { name: 'member.add', org, email, role });
      }
      return { id: String(user.id), email, password };
    },
    async stop() {
      await running.stop();
      if (external && !options.env?.REDIS_CLUSTER) await deleteRedisPrefix(inject('redisUrl'), config.redisKeyPrefix);
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
