import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      issuer: 'http://localhost:3000',
      databaseUrl: undefined,
      redisUrl: undefined,
      dataDir: './.keyward',
      resources: ['http://localhost:3000'],
      accessTokenAlg: 'ES256',
      accessTokenTtl: 3600,
      refreshTokenTtl: 2592000,
      refreshTokenReuseInterval: 0,
      trustProxy: 0,
      logLevel: 'info',
    });
  });

  it('defaults the issuer to the port it listens on, so discovery matches the endpoints', () => {
    expect(loadConfig({ PORT: '3005' })).toMatchObject({ issuer: 'http://localhost:3005', resources: ['http://localhost:3005'] });
    expect(loadConfig({ PORT: '3005', ISSUER: 'https://auth.example.com' }).issuer).toBe('https://auth.example.com');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  it('reads RESOURCE_AUDIENCE as a list whose first entry is the default audience', () => {
    expect(loadConfig({ RESOURCE_AUDIENCE: 'https://api.example.com, https://files.example.com' }).resources).toEqual([
      'https://api.example.com',
      'https://files.example.com',
    ]);
  });

  it.each([
    [{ PORT: 'abc' }, 'invalid PORT'],
    [{ PORT: '70000' }, 'invalid PORT'],
    [{ ISSUER: 'ftp://x' }, 'invalid ISSUER'],
    [{ ISSUER: 'https://x/?q=1' }, 'invalid ISSUER'],
    [{ DATABASE_URL: 'mysql://x' }, 'invalid DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'invalid REDIS_URL'],
    [{ KEYWARD_SECRET: 'short' }, 'invalid KEYWARD_SECRET'],
    [{ ACCESS_TOKEN_ALG: 'HS256' }, 'invalid ACCESS_TOKEN_ALG'],
    [{ ACCESS_TOKEN_TTL: '10' }, 'invalid ACCESS_TOKEN_TTL'],
    [{ REFRESH_TOKEN_REUSE_INTERVAL: '-1' }, 'invalid REFRESH_TOKEN_REUSE_INTERVAL'],
    [{ RESOURCE_AUDIENCE: 'not a url' }, 'invalid RESOURCE_AUDIENCE'],
    [{ LOG_LEVEL: 'loud' }, 'invalid LOG_LEVEL'],
    [{ NODE_ENV: 'production' }, 'missing KEYWARD_SECRET, DATABASE_URL, REDIS_URL: required when NODE_ENV=production'],
    [{ NODE_ENV: 'production', KEYWARD_SECRET: 's'.repeat(40), DATABASE_URL: 'postgres://x/y' }, 'missing REDIS_URL'],
    [{ NODE_ENV: 'production', KEYWARD_SECRET: 's'.repeat(40), DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x' }, 'invalid ISSUER: must be https'],
    [{ METRICS_PORT: '0' }, 'invalid METRICS_PORT'],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('accepts a production configuration, and a plain-http issuer only when explicitly allowed', () => {
    const base = { NODE_ENV: 'production', KEYWARD_SECRET: 's'.repeat(40), DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x' };
    expect(loadConfig({ ...base, ISSUER: 'https://auth.example.com' }).env).toBe('production');
    expect(loadConfig({ ...base, ISSUER: 'http://127.0.0.1:3000', ALLOW_INSECURE_ISSUER: 'true' }).issuer).toBe('http://127.0.0.1:3000');
  });

  it('strips a trailing slash from the issuer so it matches tokens byte for byte', () => {
    expect(loadConfig({ ISSUER: 'https://auth.example.com/' }).issuer).toBe('https://auth.example.com');
  });
});

describe('PLANS', () => {
  it('expands wildcards against the product scopes', () => {
    const { plans } = loadConfig({ PLANS: '{"starter":["clients:read"],"pro":["clients:*","invoices:read"],"all":["*"]}' });
    expect(plans.starter).toEqual(['clients:read']);
    expect(plans.pro).toEqual(['clients:read', 'clients:write', 'invoices:read']);
    expect(plans.all).toHaveLength(30);
  });

  it('defaults to pro (a basic set) and council (every product scope)', () => {
    const { plans } = loadConfig({});
    expect(Object.keys(plans)).toEqual(['pro', 'council']);
    expect(plans.pro).toContain('invoices:read');
    expect(plans.pro).not.toContain('payouts:read');
    expect(plans.council).toContain('payouts:read');
  });

  it.each([
    ['not json', 'must be a JSON object'],
    ['[]', 'non-empty JSON object'],
    ['{"pro":"clients:read"}', 'must list scopes as strings'],
    ['{"pro":["nope:read"]}', 'unknown scope'],
    ['{"Bad Name":["*"]}', 'plan name'],
  ])('refuses PLANS=%s naming the variable', (value, message) => {
    expect(() => loadConfig({ PLANS: value })).toThrow(`invalid PLANS: `);
    expect(() => loadConfig({ PLANS: value })).toThrow(message);
  });
});

describe('API key settings', () => {
  it('takes custom labels and public scopes', () => {
    const config = loadConfig({ API_KEY_TYPE_LABELS: 'secret=cf,publishable=cfp,restricted=cfr', API_KEY_MODE_LABELS: 'live=live,test=sand', PUBLIC_SCOPES: 'read:catalog-items, inquiries.write' });
    expect(config.apiKeyLabels).toEqual({ type: { secret: 'cf', publishable: 'cfp', restricted: 'cfr' }, mode: { live: 'live', test: 'sand' } });
    expect(config.publicScopes).toEqual(['catalog-items:read', 'inquiries:write']);
    expect(loadConfig({}).publicScopes).toEqual([]);
  });

  it.each([
    [{ API_KEY_MODE_LABELS: 'live=x,test=x' }, 'invalid API_KEY_MODE_LABELS'],
    [{ API_KEY_TYPE_LABELS: 'secret=sk' }, 'invalid API_KEY_TYPE_LABELS'],
    [{ PUBLIC_SCOPES: 'nope:read' }, 'invalid PUBLIC_SCOPES'],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
