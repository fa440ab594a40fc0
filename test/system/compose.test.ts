// compose.yaml cannot drift from the app or from `npm test`: the variables it sets are settings
// the configuration schema reads and together make a production configuration it accepts, its
// services are the ones the URLs name and wait for, and its Postgres and Redis answer where
// `npm test` looks by default (README, "Two commands").
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/config.js';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from '../helpers/private-services.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const compose = parse(readFileSync(`${ROOT}compose.yaml`, 'utf8')) as Doc;
const { postgres, redis, keyward } = compose.services as Record<string, Doc>;

/** Compose's `${NAME}` and `${NAME:-default}`, against the given variables. */
const interpolate = (value: string, vars: Record<string, string>) =>
  value.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => vars[name] || (fallback ?? ''));
const keywardEnv = (vars: Record<string, string>) =>
  Object.fromEntries(Object.entries(keyward!.environment as Record<string, string>).map(([name, value]) => [name, interpolate(String(value), vars)]));

describe('compose.yaml', () => {
  it('runs Postgres 16 and Redis 7 with health checks, Redis with its append-only file', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['keyward', 'postgres', 'redis']);
    expect(postgres!.image).toBe('postgres:16');
    expect(postgres!.healthcheck.test).toContain('pg_isready');
    expect(redis!.image).toBe('redis:7');
    expect(redis!.command.join(' ')).toContain('--appendonly yes');
    expect(redis!.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it("publishes Postgres and Redis on loopback where npm test looks, Postgres letting its default URL in", () => {
    const published = (service: Doc) => service.ports.map((p: string) => p.split(':'));
    expect(published(postgres!)).toEqual([['127.0.0.1', new URL(DEFAULT_DATABASE_URL).port, '5432']]);
    expect(published(redis!)).toEqual([['127.0.0.1', new URL(DEFAULT_REDIS_URL).port, '6379']]);
    expect(new URL(DEFAULT_DATABASE_URL).password).toBe('');
    expect(postgres!.environment.POSTGRES_HOST_AUTH_METHOD).toBe('trust');
  });

  it('builds keyward from the Dockerfile, after the services its URLs name are healthy', () => {
    expect(keyward!.build).toBe('.');
    expect(existsSync(`${ROOT}Dockerfile`)).toBe(true);
    const env = keywardEnv({});
    const hosts = [new URL(env.DATABASE_URL!).hostname, new URL(env.REDIS_URL!).hostname];
    expect(hosts).toEqual(['postgres', 'redis']);
    expect(keyward!.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(new URL(env.DATABASE_URL!).pathname).toBe(`/${postgres!.environment.POSTGRES_DB}`);
    // The port the image listens on, published where ISSUER says it is.
    const imagePort = /^\s*PORT=(\d+)/m.exec(readFileSync(`${ROOT}Dockerfile`, 'utf8'))![1];
    expect(keyward!.ports).toEqual([`127.0.0.1:${new URL(env.ISSUER!).port}:${imagePort}`]);
  });

  it('sets only variables the configuration schema knows, a production configuration it accepts with a secret from the environment', () => {
    const env = keywardEnv({ KEYWARD_SECRET: 'x'.repeat(48) });
    for (const name of Object.keys(env)) expect(CONFIG_VARIABLES, name).toContain(name);
    const config = loadConfig(env);
    expect(config).toMatchObject({ env: 'production', issuer: 'http://localhost:3000', secret: 'x'.repeat(48) });
    // The secret is never in the file: without it Keyward refuses to start, in one line.
    expect(keyward!.environment.KEYWARD_SECRET).toBe('${KEYWARD_SECRET:-}');
    expect(() => loadConfig(keywardEnv({}))).toThrow('missing KEYWARD_SECRET: required when NODE_ENV=production');
  });

  it('requires no variable, so `docker compose up -d postgres redis` runs without one', () => {
    // Compose interpolates the whole file whichever services it starts (comments aside).
    expect(JSON.stringify(compose)).not.toMatch(/\$\{\w+:?\?/);
  });
});
