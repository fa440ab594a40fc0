// Every `keyward` command: its synopsis and help, how many positional arguments it takes, and
// how its options become an operator Command (operator/commands.ts carries it out).
import type { Command } from '../operator/commands.js';
import { duration, readJwks, required, seconds, UsageError, type Values } from './arguments.js';

export interface CommandSpec {
  /** Options and arguments after the command's name, as --help shows them. */
  synopsis: string;
  summary: string;
  positionals: number;
  /** Takes a password: from standard input or a prompt unless --password gives it. */
  password?: true;
  /** Said after the human output (a secret that will not be shown again). */
  notice?: string;
  parse(values: Values, rest: string[]): Command;
}

const SHOWN_ONCE = 'shown once: store it now; Keyward keeps only a hash and cannot show it again';

export const COMMANDS: Record<string, CommandSpec> = {
  migrate: { synopsis: '', summary: 'apply database migrations', positionals: 0, parse: () => ({ name: 'migrate' }) },
  'org create': {
    synopsis: '--name NAME [--plan PLAN]',
    summary: 'create an organization (plans: pro, council, or those of PLANS)',
    positionals: 0,
    parse: (v) => ({ name: 'org.create', orgName: required(v.name, 'name'), plan: v.plan ?? 'pro' }),
  },
  'org list': { synopsis: '', summary: 'every organization, newest first', positionals: 0, parse: () => ({ name: 'org.list' }) },
  'org set-plan': {
    synopsis: '--org ID --plan PLAN',
    summary: 'move an organization to another plan; its next tokens follow it on every server at once',
    positionals: 0,
    parse: (v) => ({ name: 'org.set-plan', org: required(v.org, 'org'), plan: required(v.plan, 'plan') }),
  },
  'client create': {
    synopsis:
      '--org ID --name NAME --grant authorization_code|client_credentials [--redirect-uri URI]... [--scope "a b"] [--public] [--introspect] [--auth-method client_secret_basic|client_secret_post|private_key_jwt --jwks-file F]',
    summary: 'register an OAuth client; without --scope it gets the plan\'s product scopes; its secret is shown once',
    positionals: 0,
    notice: `the client secret is ${SHOWN_ONCE}`,
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
  'client list': { synopsis: '--org ID', summary: "an organization's OAuth clients, newest first", positionals: 0, parse: (v) => ({ name: 'client.list', org: required(v.org, 'org') }) },
  'client rotate-secret': {
    synopsis: 'CLIENT_ID [--grace SECONDS]',
    summary: 'issue a new secret; the old one works for --grace seconds (default 0)',
    positionals: 1,
    notice: `the client secret is ${SHOWN_ONCE}`,
    parse: (v, rest) => ({ name: 'client.rotate-secret', clientId: rest[0]!, graceSeconds: seconds(v.grace, 'grace') }),
  },
  'client delete': {
    synopsis: 'CLIENT_ID',
    summary: 'delete a client: its secret and refresh tokens stop on every server within a second',
    positionals: 1,
    parse: (_v, rest) => ({ name: 'client.delete', clientId: rest[0]! }),
  },
  'user create': {
    synopsis: '--email E [--org ID --role admin|member]',
    summary: 'create a user (the password is read from standard input or asked for; stored as argon2id)',
    positionals: 0,
    password: true,
    parse: (v) => {
      if (v.role !== undefined && v.org === undefined) throw new UsageError('--role needs --org');
      return { name: 'user.create', email: required(v.email, 'email'), password: v.password ?? '', org: v.org, role: v.role ?? 'member' };
    },
  },
  'user list': { synopsis: '--org ID', summary: "an organization's members with their roles", positionals: 0, parse: (v) => ({ name: 'user.list', org: required(v.org, 'org') }) },
  'user set-password': {
    synopsis: '--email E',
    summary: "set a user's password (read from standard input or asked for); also ends a sign-in lockout",
    positionals: 0,
    password: true,
    parse: (v) => ({ name: 'user.set-password', email: required(v.email, 'email'), password: v.password ?? '' }),
  },
  'user unlock': {
    synopsis: '--email E',
    summary: "clear the user's failed sign-in counts, so they may sign in again at once",
    positionals: 0,
    parse: (v) => ({ name: 'user.unlock', email: required(v.email, 'email') }),
  },
  'member add': {
    synopsis: '--org ID --email E [--role admin|member]',
    summary: 'add an existing user to an organization (or change their role); applies to their tokens at once',
    positionals: 0,
    parse: (v) => ({ name: 'member.add', org: required(v.org, 'org'), email: required(v.email, 'email'), role: v.role ?? 'member' }),
  },
  'member remove': {
    synopsis: '--org ID --email E',
    summary: "remove a user from an organization: their tokens for it stop at once",
    positionals: 0,
    parse: (v) => ({ name: 'member.remove', org: required(v.org, 'org'), email: required(v.email, 'email') }),
  },
  'key create': {
    synopsis: '--org ID --name N [--scope "a b"] [--type secret|publishable|restricted] [--mode live|test] [--ip CIDR]... [--expires-in 90d]',
    summary: 'create an API key; the key is shown once',
    positionals: 0,
    notice: `the key is ${SHOWN_ONCE}`,
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
  'key list': { synopsis: '--org ID', summary: "an organization's keys, newest first (never the keys themselves)", positionals: 0, parse: (v) => ({ name: 'key.list', org: required(v.org, 'org') }) },
  'key rotate': {
    synopsis: 'KEY_ID [--grace SECONDS]',
    summary: 'a new key with the same settings; the old one works for --grace seconds',
    positionals: 1,
    notice: `the key is ${SHOWN_ONCE}`,
    parse: (v, rest) => ({ name: 'key.rotate', id: rest[0]!, graceSeconds: seconds(v.grace, 'grace') }),
  },
  'key revoke': { synopsis: 'KEY_ID', summary: 'revoke at once, on every server', positionals: 1, parse: (_v, rest) => ({ name: 'key.revoke', id: rest[0]! }) },
  'signing-key rotate': {
    synopsis: '',
    summary: 'publish new signing keys; they sign after SIGNING_KEY_PROPAGATION seconds',
    positionals: 0,
    parse: () => ({ name: 'signing-key.rotate' }),
  },
  'signing-key list': { synopsis: '', summary: 'signing keys with their state and dates', positionals: 0, parse: () => ({ name: 'signing-key.list' }) },
};
