// Reads the commands a Redis client sends, from its raw byte stream, in whatever chunks TCP
// delivers them. Clients such as ioredis send every command as a RESP array of bulk strings
// (`*<n>\r\n` then n times `$<len>\r\n<bytes>\r\n`); inline commands are not read.

export interface RedisCommand {
  /** The command's name, upper case (`HGETALL`). */
  name: string;
  /** Its first arguments (at most four, each cut at 200 characters): enough to tell what a key is. */
  args: string[];
}

const CRLF = Buffer.from('\r\n');
const KEPT_ARGS = 4;

/** One complete command at `start`, or undefined when the buffer ends before it does. */
function commandAt(buffer: Buffer, start: number): { command: RedisCommand; end: number } | undefined {
  if (buffer[start] !== 0x2a /* '*' */) throw new Error(`not a RESP array at byte ${start}: ${JSON.stringify(buffer.toString('latin1', start, start + 20))}`);
  const header = buffer.indexOf(CRLF, start);
  if (header < 0) return undefined;
  const count = Number(buffer.toString('latin1', start + 1, header));
  const parts: string[] = [];
  let position = header + 2;
  for (let i = 0; i < count; i++) {
    const lengthEnd = buffer.indexOf(CRLF, position);
    if (lengthEnd < 0) return undefined;
    const length = Number(buffer.toString('latin1', position + 1, lengthEnd));
    const dataEnd = lengthEnd + 2 + length;
    if (dataEnd + 2 > buffer.length) return undefined;
    if (i <= KEPT_ARGS) parts.push(buffer.toString('utf8', lengthEnd + 2, Math.min(dataEnd, lengthEnd + 2 + 200)));
    position = dataEnd + 2;
  }
  return { command: { name: (parts[0] ?? '').toUpperCase(), args: parts.slice(1) }, end: position };
}

/** Feeds chunks of a client's stream; calls `onCommand` once per complete command. */
export class RespCommandReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onCommand: (command: RedisCommand) => void) {}

  push(chunk: Buffer): void {
    const buffer = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    for (let next = offset < buffer.length ? commandAt(buffer, offset) : undefined; next; next = offset < buffer.length ? commandAt(buffer, offset) : undefined) {
      this.onCommand(next.command);
      offset = next.end;
    }
    this.pending = buffer.subarray(offset);
  }
}

/**
 * A command as a label for the per-operation breakdown: its name and the kind of record its key
 * is (`HGETALL RefreshToken`), read from the first argument under `prefix` (for EVAL, the
 * script's first key). Ids and hash tags are left out, so one label counts every such record.
 */
export function commandLabel(command: RedisCommand, prefix: string): string {
  const key = command.args.find((arg) => arg.startsWith(prefix));
  if (!key) return command.name;
  const kind = key.slice(prefix.length).split(/[:{]/)[0];
  return kind ? `${command.name} ${kind}` : command.name;
}
