// The `keyward` command. Works against DATABASE_URL, or the embedded database in DATA_DIR;
// when a running server holds the embedded database, commands go through its control socket.
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../lib/logger.js';
import { buildRegistryServices } from '../compose/registry.js';
import { lockHolder } from '../db/data-dir-lock.js';
import { KeywardError } from '../lib/errors.js';
import { runCommand, type Command, type CommandResult } from '../operator/commands.js';
import { parseInvocation, UsageError } from './parse.js';
import { humanOutput } from './output.js';
import { readSecret } from './read-secret.js';
import { sendControlCommand } from '../control/client.js';

async function execute(config: Config, command: Command): Promise<CommandResult> {
  if (!config.databaseUrl && lockHolder(config.dataDir) !== undefined) {
    return sendControlCommand(config.dataDir, command);
  }
  const services = await buildRegistryServices(config, createLogger('silent'));
  try {
    return await runCommand(services, command);
  } finally {
    await services.close();
  }
}

/** Where a command reads its settings and writes its output: the process's own by default. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** A password: standard input when piped, else a prompt that does not echo. */
  readSecret(prompt: string): Promise<string>;
}

const processIo: CliIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readSecret: (prompt) => readSecret(prompt),
};

/** Runs one command and answers its exit code: 0, 1 (refused or failed), 2 (usage). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    const invocation = parseInvocation(argv);
    if (invocation.kind === 'help') {
      io.stdout(`${invocation.text}\n`);
      return 0;
    }
    const { command, json, notice } = invocation;
    for (const warning of invocation.warnings) io.stderr(`keyward: warning: ${warning}\n`);
    const config = loadConfig(io.env);
    if (invocation.readsPassword && 'password' in command) command.password = await io.readSecret('Password: ');
    const result = await execute(config, command);
    io.stdout(json ? `${JSON.stringify(result)}\n` : humanOutput(result));
    if (notice && !json) io.stdout(`\n${notice}\n`);
    return 0;
  } catch (err) {
    const known = err instanceof UsageError || err instanceof ConfigError || err instanceof KeywardError;
    const message = err instanceof KeywardError ? err.description : err instanceof Error ? err.message : String(err);
    io.stderr(`keyward: ${known ? message : `failed: ${message}`}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
