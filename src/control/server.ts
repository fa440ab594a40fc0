// In embedded mode the server holds PGlite, which admits one process. The CLI then reaches the
// data through this Unix socket in DATA_DIR: mode 0600 inside a 0700 folder, so only the user
// running the server can connect. One JSON request per connection, one JSON answer.
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { RegistryServices } from '../compose/registry.js';
import { KeywardError } from '../lib/errors.js';
import { runCommand, type Command } from '../operator/commands.js';
import { controlSocketPath } from './socket-path.js';

const MAX_REQUEST_BYTES = 64 * 1024;

export interface ControlSocket {
  close(): Promise<void>;
}

async function answer(services: RegistryServices, raw: string): Promise<object> {
  try {
    const command = JSON.parse(raw) as Command;
    return { ok: true, result: await runCommand(services, command) };
  } catch (err) {
    if (err instanceof KeywardError) {
      return { ok: false, error: { code: err.code, description: err.description, param: err.param } };
    }
    services.logger.error({ err }, 'control command failed');
    return { ok: false, error: { code: 'server_error', description: 'the command failed; see the server log' } };
  }
}

export async function startControlSocket(services: RegistryServices): Promise<ControlSocket> {
  const path = controlSocketPath(services.config.dataDir);
  // We hold the data-dir lock, so a socket file left here belongs to a dead process.
  rmSync(path, { force: true });
  const server: Server = createServer((socket) => {
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      raw += chunk;
      if (raw.length > MAX_REQUEST_BYTES) socket.destroy();
      const end = raw.indexOf('\n');
      if (end < 0) return;
      void answer(services, raw.slice(0, end)).then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(path, { force: true });
      }),
  };
}
