// argv -> Invocation. Pure, so every usage error is testable without a database.
import { parseArgs } from 'node:util';
import type { Command } from '../operator/commands.js';
import { OPTIONS, UsageError } from './arguments.js';
import { COMMANDS, type CommandSpec } from './command-table.js';

export { UsageError } from './arguments.js';

const COLUMN = 42;

function usageLine(name: string, spec: CommandSpec): string {
  const head = `  ${name}${spec.synopsis ? ` ${spec.synopsis}` : ''}`;
  return head.length < COLUMN ? `${head.padEnd(COLUMN)} ${spec.summary}` : `${head}\n${' '.repeat(COLUMN + 1)}${spec.summary}`;
}

export const USAGE = `keyward <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, spec]) => usageLine(name, spec))
  .join('\n')}

Options:
  --json    print the result as JSON
  --help    show this help, or a command's (keyward key create --help)

Environment: DATABASE_URL (Postgres), or DATA_DIR for the embedded database.`;

/** One command's help. */
export function commandUsage(name: string): string {
  const spec = COMMANDS[name]!;
  const password = spec.password
    ? '\n\nThe password is read from standard input (a pipe: printf %s "$PW" | keyward ...) or asked for\nat a terminal. --password P works too, but leaves it in `ps` and the shell\'s history.'
    : '';
  return `keyward ${name}${spec.synopsis ? ` ${spec.synopsis}` : ''}\n\n${spec.summary}.${password}\n\nOptions:\n  --json    print the result as JSON`;
}

export type Invocation =
  | { kind: 'help'; text: string }
  | {
      kind: 'run';
      command: Command;
      json: boolean;
      /** The command's password is to be read from standard input or a prompt. */
      readsPassword: boolean;
      notice: string | undefined;
      warnings: string[];
    };

export function parseInvocation(argv: string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) return { kind: 'help', text: USAGE };
  const [group, action, ...rest] = positionals;
  const name = action ? `${group} ${action}` : group!;
  const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name]! : undefined;
  if (!spec) {
    if (values.help) return { kind: 'help', text: USAGE };
    throw new UsageError(`unknown command "${name}"; see keyward --help`);
  }
  if (values.help) return { kind: 'help', text: commandUsage(name) };
  if (rest.length !== spec.positionals) {
    const n = spec.positionals;
    throw new UsageError(`${name} takes ${n === 0 ? 'no' : n} positional argument${n === 1 ? '' : 's'}; see keyward ${name} --help`);
  }
  const warnings =
    values.password !== undefined ? ['--password leaves the password in `ps` and the shell history; pipe it on standard input instead'] : [];
  return {
    kind: 'run',
    command: spec.parse(values, rest),
    json: values.json ?? false,
    readsPassword: spec.password === true && values.password === undefined,
    notice: spec.notice,
    warnings,
  };
}
