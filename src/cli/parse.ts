// argv -> Command. Pure, so every usage error is testable without a database.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Command } from '../operator/commands.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `keyward <command> [options]

Commands:
  migrate                                  apply database migrations
  org create --name NAME [--plan PLAN]     create an organization (plans: pro, council)
  org set-plan --org ID --plan PLAN        move an organization to another plan; its next
                                           tokens follow it on every server at once
  client create --org ID --name NAME --grant authorization_code|client_credentials
      [--redirect-uri URI]... [--scope "a b"] [--public] [--introspect]
      [--auth-method client_secret_basic|client_secret_post|private_key_jwt --jwks-file F]
                                           register an OAuth client; its secret is shown once
  client rotate-secret CLIENT_ID [--grace SECONDS]
                                           issue a new secret; the old one works for --grace
  user create --email E --password P [--org ID --role admin|member]
                                           create a user (password stored as argon2id)
  member add --org ID --email E [--role admin|member]
                                           add an existing user to an organization (or
                                           change their role); applies to their tokens at once
  key create --org ID --name N [--scope "a b"] [--type secret|publishable|restricted]
      [--mode live|test] [--ip CIDR]... [--expires-in 90d]
                                           create an API key; the key is shown once
  key list --org ID                        list an organization's keys (never the keys)
  key rotate KEY_ID [--grace SECONDS]      new key, same settings; the old one stops
  key revoke KEY_ID                        revoke at once, on every server
  signing-key rotate                       publish new signing keys; they sign after
                                           SIGNING_KEY_PROPAGATION seconds
  signing-key list                         keys with their state and dates

Options:
  --json    print the result as JSON
  --help    show this help

Environment: DATABASE_URL (Postgres), or DATA_DIR for the embedded database.`;

export interface Invocation {
  command: Command | 'help';
  json: boolean;
}

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  plan: { type: 'string' },
  org: { type: 'string' },
  grant: { type: 'string', multiple: true },
  'redirect-uri': { type: 'string', multiple: true },
  scope: { type: 'string' },
  public: { type: 'boolean' },
  introspect: { type: 'boolean' },
  'auth-method': { type: 'string' },
  'jwks-file': { type: 'string' },
  grace: { type: 'string' },
  email: { type: 'string' },
  password: { type: 'string' },
  role: { type: 'string' },
  type: { type: 'string' },
  mode: { type: 'string' },
  ip: { type: 'string', multiple: true },
  'expires-in': { type: 'string' },
} as const;

function readJwks(path: string): { keys: object[] } {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { keys: object[] };
  } catch (err) {
    throw new UsageError(`--jwks-file: ${(err as Error).message.split('\n')[0]}`);
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`missing --${flag}`);
  return value;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function duration(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,6})([smhd])$/.exec(value);
  if (!match) throw new UsageError(`--${flag} must look like 90d, 12h, 30m or 45s`);
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}

function seconds(value: string | undefined, flag: string): number {
  if (value === undefined) return 0;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`--${flag} must be a whole number of seconds`);
  return Number(value);
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

/** Each command: how many positional arguments it takes after its name, and its fields. */
const COMMANDS: Record<string, { positionals: number; parse(v: Values, rest: string[]): Command }> = {
  migrate: { positionals: 0, parse: () => ({ name: 'migrate' }) },
  'org create': { positionals: 0, parse: (v) => ({ name: 'org.create', orgName: required(v.name, 'name'), plan: v.plan ?? 'pro' }) },
  'org set-plan': { positionals: 0, parse: (v) => ({ name: 'org.set-plan', org: required(v.org, 'org'), plan: required(v.plan, 'plan') }) },
  'client create': {
    positionals: 0,
    parse: (v) => ({
      name: 'client.create',
      org: required(v.org, 'org'),
      clientName: required(v.name, 'name'),
      grants: v.grant ?? [],
      redirectUris: v['redirect-uri'] ?? [],
      scope: v.scope,
      isPublic: v.public ?? false,
      introspect: v.introspect ?? false,
      authMethod: v['auth-method'],
      jwks: v['jwks-file'] === undefined ? undefined : readJwks(v['jwks-file']),
    }),
  },
  'client rotate-secret': { positionals: 1, parse: (v, rest) => ({ name: 'client.rotate-secret', clientId: rest[0]!, graceSeconds: seconds(v.grace, 'grace') }) },
  'user create': {
    positionals: 0,
    parse: (v) => {
      if (v.role !== undefined && v.org === undefined) throw new UsageError('--role needs --org');
      return { name: 'user.create', email: required(v.email, 'email'), password: required(v.password, 'password'), org: v.org, role: v.role ?? 'member' };
    },
  },
  'member add': { positionals: 0, parse: (v) => ({ name: 'member.add', org: required(v.org, 'org'), email: required(v.email, 'email'), role: v.role ?? 'member' }) },
  'key create': {
    positionals: 0,
    parse: (v) => ({
      name: 'key.create',
      org: required(v.org, 'org'),
      keyName: required(v.name, 'name'),
      scope: v.scope,
      type: v.type,
      mode: v.mode,
      ips: v.ip ?? [],
      expiresInSeconds: duration(v['expires-in'], 'expires-in'),
    }),
  },
  'key list': { positionals: 0, parse: (v) => ({ name: 'key.list', org: required(v.org, 'org') }) },
  'key rotate': { positionals: 1, parse: (v, rest) => ({ name: 'key.rotate', id: rest[0]!, graceSeconds: seconds(v.grace, 'grace') }) },
  'key revoke': { positionals: 1, parse: (_v, rest) => ({ name: 'key.revoke', id: rest[0]! }) },
  'signing-key rotate': { positionals: 0, parse: () => ({ name: 'signing-key.rotate' }) },
  'signing-key list': { positionals: 0, parse: () => ({ name: 'signing-key.list' }) },
};

export function parseInvocation(argv: string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const { values, positionals } = parsed;
  const json = values.json ?? false;
  if (values.help || positionals.length === 0) return { command: 'help', json };
  const [group, action, ...rest] = positionals;
  const key = action ? `${group} ${action}` : group!;
  const command = Object.hasOwn(COMMANDS, key) ? COMMANDS[key]! : undefined;
  if (!command) throw new UsageError(`unknown command "${key}"; see keyward --help`);
  if (rest.length !== command.positionals) {
    const n = command.positionals;
    throw new UsageError(`${key} takes ${n === 0 ? 'no' : n} positional argument${n === 1 ? '' : 's'}`);
  }
  return { command: command.parse(values, rest), json };
}
