// The `keyward` command. Works against DATABASE_URL, or the embedded database in DATA_DIR;
// when a running server holds the embedded database, commands go through its control socket.
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { buildRegistryServices } from './registry-services.js';
import { lockHolder } from './db/data-dir-lock.js';
import { KeywardError } from './errors.js';
import { runCommand, type Command, type CommandResult } from './cli/commands.js';
import { parseInvocation, UsageError, USAGE } from './cli/parse.js';
import { sendControlCommand } from './control/client.js';

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

function print(result: CommandResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  for (const [key, value] of Object.entries(result)) {
    process.stdout.write(`${key}: ${Array.isArray(value) ? value.join(' ') : String(value)}\n`);
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    const { command, json } = parseInvocation(argv);
    if (command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const result = await execute(loadConfig(), command);
    print(result, json);
    return 0;
  } catch (err) {
    const known = err instanceof UsageError || err instanceof ConfigError || err instanceof KeywardError;
    const message = err instanceof KeywardError ? err.description : err instanceof Error ? err.message : String(err);
    process.stderr.write(`keyward: ${known ? message : `failed: ${message}`}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
