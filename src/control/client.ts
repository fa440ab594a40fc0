import { connect } from 'node:net';
import type { Command, CommandResult } from '../operator/commands.js';
import { KeywardError, type ErrorCode } from '../lib/errors.js';
import { controlSocketPath } from './socket-path.js';

const TIMEOUT_MS = 30_000;

/** Sends a command to the embedded server that holds DATA_DIR. */
export function sendControlCommand(dataDir: string, command: Command): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const socket = connect(controlSocketPath(dataDir));
    let raw = '';
    socket.setEncoding('utf8');
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('the running server did not answer')));
    socket.on('connect', () => socket.write(`${JSON.stringify(command)}\n`));
    socket.on('data', (chunk: string) => {
      raw += chunk;
    });
    socket.on('error', (err) => reject(new Error(`cannot reach the running server's control socket: ${err.message}`)));
    socket.on('end', () => {
      try {
        const reply = JSON.parse(raw) as
          | { ok: true; result: CommandResult }
          | { ok: false; error: { code: ErrorCode; description: string; param?: string } };
        if (reply.ok) resolve(reply.result);
        else reject(new KeywardError(reply.error.code, reply.error.description, reply.error.param));
      } catch {
        reject(new Error('the running server sent an unreadable answer'));
      }
    });
  });
}
