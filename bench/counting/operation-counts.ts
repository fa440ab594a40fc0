// The counting phase (issue 18, items 1 and 4): Redis commands and round trips and Postgres
// queries per operation. A Keyward of one process (and the bare provider on its plain Redis
// adapter) talks to Redis and Postgres through counting proxies (wire-proxy.ts); each
// operation is repeated one after another, after a warm-up, and the counts are divided by the
// number of operations. Redis's own INFO commandstats gives the commands it executed (those
// inside scripts and transactions too), read before and after. Heartbeat PINGs (the revocation
// feed's, every 2 s) are left out.
import type { Redis } from 'ioredis';
import { startKeyward, throughPort, ADMIN_URL, REDIS_URL, type Stack } from '../stack.js';
import { startBareProvider } from '../baselines.js';
import type { Fixtures } from '../fixtures.js';
import type { OperationCounts } from '../results.js';
import { startCountingProxy, type WireTally } from './wire-proxy.js';
import { RespCommandReader, commandLabel } from './resp-commands.js';
import { PgStatementReader } from './pg-messages.js';
import { clientCredentialsOnce, introspectRoundRobin, refreshChain, signInOnce } from './sequential-operations.js';

const UNCOUNTED = new Set(['ping', 'info']);
const WARMUP_OPERATIONS = 5;

async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const stats = new Map<string, number>();
  for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats.set(match[1]!, Number(match[2]));
  return stats;
}

function executedSince(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [name, calls] of after) if (!UNCOUNTED.has(name.split('|')[0]!)) total += calls - (before.get(name) ?? 0);
  return total;
}

const perOperation = (value: number, operations: number) => Number((value / operations).toFixed(2));
const perOperationMap = (labels: Map<string, number>, operations: number, skip: (label: string) => boolean = () => false) =>
  Object.fromEntries([...labels].filter(([label]) => !skip(label)).sort((a, b) => b[1] - a[1]).map(([label, count]) => [label, perOperation(count, operations)]));

/** Proxies in front of Redis and Postgres, for one server under test. */
async function countingProxies(redisPrefix: string) {
  const redisPort = Number(new URL(REDIS_URL).port || 6379);
  const redis = await startCountingProxy(redisPort, (record) => new RespCommandReader((command) => record(commandLabel(command, redisPrefix))));
  const postgres = await startCountingProxy(Number(new URL(ADMIN_URL).port || 5432), (record) => new PgStatementReader((statement) => record(statement.sql, statement.write)));
  return { redis, postgres, close: () => Promise.all([redis.close(), postgres.close()]) };
}

type Proxies = Awaited<ReturnType<typeof countingProxies>>;

/** Runs `operation` `count` times after a warm-up and returns what it cost per operation. */
async function countPer(operation: () => Promise<void>, count: number, proxies: Proxies, admin: Redis, warmup = WARMUP_OPERATIONS): Promise<OperationCounts> {
  for (let i = 0; i < warmup; i++) await operation();
  const before = await commandStats(admin);
  proxies.redis.reset();
  proxies.postgres.reset();
  for (let i = 0; i < count; i++) await operation();
  const redis: WireTally = proxies.redis.tally();
  const postgres: WireTally = proxies.postgres.tally();
  const after = await commandStats(admin);
  const pings = redis.labels.get('PING') ?? 0;
  return {
    operations: count,
    redis_commands: perOperation(executedSince(before, after), count),
    redis_commands_sent: perOperation(redis.messages - pings, count),
    redis_round_trips: perOperation(redis.roundTrips - pings, count),
    pg_queries: perOperation(postgres.messages, count),
    pg_writes: perOperation(postgres.writes, count),
    pg_round_trips: perOperation(postgres.roundTrips, count),
    redis_by_command: perOperationMap(redis.labels, count, (label) => label === 'PING'),
    pg_statements: perOperationMap(postgres.labels, count),
  };
}

export interface CountingPlan {
  operations: number;
  signIns: number;
}

/** Counts for Keyward (fast path on and off) and the bare provider on Redis. */
export async function countOperations(stack: Stack, fixtures: Fixtures, admin: Redis, plan: CountingPlan): Promise<Record<string, OperationCounts>> {
  const counts: Record<string, OperationCounts> = {};
  const keywardThrough = async (proxies: Proxies, fastPath: boolean) =>
    startKeyward(stack, { processes: 1, fastPath, redisUrl: throughPort(REDIS_URL, proxies.redis.port), databaseUrl: throughPort(stack.databaseUrl!, proxies.postgres.port) });

  let proxies = await countingProxies(stack.prefix);
  try {
    const keyward = await keywardThrough(proxies, true);
    const tokenUrl = `${keyward.issuer}/oauth2/token`;
    const refreshTokens: string[] = [];
    const signIn = { issuer: keyward.issuer, client: fixtures.app, redirectUri: fixtures.app.redirectUri, scope: fixtures.scope, ...fixtures.user };
    counts.authorize_flow = await countPer(signInOnce(signIn, (token) => refreshTokens.push(token)), plan.signIns, proxies, admin, 1);
    counts.refresh_token = await countPer(refreshChain(tokenUrl, fixtures.app.authorization, refreshTokens.at(-1)!), plan.operations, proxies, admin);
    counts.client_credentials = await countPer(clientCredentialsOnce(tokenUrl, fixtures.service.authorization, fixtures.scope), plan.operations, proxies, admin);
    // The whole pool first: each key is then in the cache, as under steady load.
    counts.introspect_api_key = await countPer(introspectRoundRobin(`${keyward.issuer}/oauth2/introspect`, fixtures.service.authorization, fixtures.apiKeys), plan.operations, proxies, admin, fixtures.apiKeys.length);
    await keyward.server.stop();
    await proxies.close();

    proxies = await countingProxies(stack.prefix);
    const pipeline = await keywardThrough(proxies, false);
    counts.client_credentials_pipeline = await countPer(clientCredentialsOnce(`${pipeline.issuer}/oauth2/token`, fixtures.service.authorization, fixtures.scope), plan.operations, proxies, admin);
    await pipeline.server.stop();
    await proxies.close();

    const barePrefix = `${stack.prefix}bare-counted:`;
    proxies = await countingProxies(barePrefix);
    const bare = await startBareProvider({ processes: 1, refreshSeeds: 1, redis: { url: throughPort(REDIS_URL, proxies.redis.port), prefix: barePrefix } });
    counts.bare_refresh_token = await countPer(refreshChain(`${bare.url}/token`, bare.appAuthorization, bare.refreshSeeds[0]!), plan.operations, proxies, admin);
    counts.bare_client_credentials = await countPer(clientCredentialsOnce(`${bare.url}/token`, bare.serviceAuthorization, fixtures.scope), plan.operations, proxies, admin);
    await bare.server.stop();
  } finally {
    await proxies.close();
  }
  return counts;
}
