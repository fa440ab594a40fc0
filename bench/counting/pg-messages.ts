// Reads the statements a Postgres client runs, from its raw byte stream (the frontend side of
// the wire protocol, version 3), in whatever chunks TCP delivers them. A statement runs on a
// simple Query ('Q') or on an Execute ('E') of a portal bound ('B') to a parsed ('P')
// statement; node-postgres sends Parse, Bind, Describe, Execute and Sync in one write.

export interface PgStatement {
  /** The SQL text, whitespace collapsed, cut at 120 characters. */
  sql: string;
  /** insert, update, delete (and merge, copy): what a primary must write. */
  write: boolean;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const WRITE = /^(insert|update|delete|merge|copy)\b/i;

const cString = (body: Buffer, from: number): [string, number] => {
  const end = body.indexOf(0, from);
  return [body.toString('utf8', from, end), end + 1];
};

function statement(sql: string): PgStatement {
  const text = sql.replace(/\s+/g, ' ').trim();
  return { sql: text.slice(0, 120), write: WRITE.test(text) };
}

/** Feeds chunks of a client's stream; calls `onStatement` once per statement run. */
export class PgStatementReader {
  private pending: Buffer = Buffer.alloc(0);
  // The first message has no type byte; an SSL or GSS request is followed by another such.
  private startup = true;
  private readonly parsed = new Map<string, string>();
  private readonly portals = new Map<string, string>();

  constructor(private readonly onStatement: (statement: PgStatement) => void) {}

  push(chunk: Buffer): void {
    const buffer = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    for (;;) {
      if (this.startup) {
        if (buffer.length - offset < 8) break;
        const length = buffer.readInt32BE(offset);
        if (buffer.length - offset < length) break;
        const code = buffer.readInt32BE(offset + 4);
        if (code !== SSL_REQUEST && code !== GSS_REQUEST) this.startup = false;
        offset += length;
        continue;
      }
      if (buffer.length - offset < 5) break;
      const length = buffer.readInt32BE(offset + 1);
      if (buffer.length - offset < 1 + length) break;
      this.message(String.fromCharCode(buffer[offset]!), buffer.subarray(offset + 5, offset + 1 + length));
      offset += 1 + length;
    }
    this.pending = buffer.subarray(offset);
  }

  private message(type: string, body: Buffer): void {
    if (type === 'Q') {
      this.onStatement(statement(cString(body, 0)[0]));
    } else if (type === 'P') {
      const [name, next] = cString(body, 0);
      this.parsed.set(name, cString(body, next)[0]);
    } else if (type === 'B') {
      const [portal, next] = cString(body, 0);
      this.portals.set(portal, this.parsed.get(cString(body, next)[0]) ?? '?');
    } else if (type === 'E') {
      this.onStatement(statement(this.portals.get(cString(body, 0)[0]) ?? '?'));
    }
  }
}
