// The `keyward` command. Works against DATABASE_URL, or the embedded database in DATA_DIR;
// when a running server holds the embedded database, commands go through its control socket.
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../lib/logger.js';
import { buildRegistryServices } from '../compose/registry.js';
import { lockHolder } from '../db/data-dir-lock.js';
import { KeywardError } from '../lib/errors.js';
import { runCommand, type Command, type CommandResult } from '../operator/commands.js';
import { parseInvocation, UsageError, USAGE } from './parse.js';
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
}

const processIo: CliIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function print(result: CommandResult, json: boolean, io: CliIo): void {
  if (json) {
    io.stdout(`${JSON.stringify(result)}\n`);
    return;
  }
  for (const [key, value] of Object.entries(result)) {
    io.stdout(`${key}: ${Array.isArray(value) ? value.join(' ') : String(value)}\n`);
  }
}

/** Runs one command and answers its exit code: 0, 1 (refused or failed), 2 (usage). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    const { command, json } = parseInvocation(argv);
    if (command === 'help') {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const result = await execute(loadConfig(io.env), command);
    print(result, json, io);
    return 0;
  } catch (err) {
    const known = err instanceof UsageError || err instanceof ConfigError || err instanceof KeywardError;
    const message = err instanceof KeywardError ? err.description : err instanceof Error ? err.message : String(err);
    io.stderr(`keyward: ${known ? message : `failed: ${message}`}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
