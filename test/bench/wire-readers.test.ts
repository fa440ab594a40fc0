// The counting proxies read Redis commands and Postgres statements from raw client streams,
// cut wherever TCP cuts them; the per-operation counts of docs/capacity.md rest on these.
import { describe, expect, it } from 'vitest';
import { RespCommandReader, commandLabel, type RedisCommand } from '../../bench/counting/resp-commands.js';
import { PgStatementReader, type PgStatement } from '../../bench/counting/pg-messages.js';

const resp = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/** Feeds `bytes` in pieces of `size` bytes. */
function feed(reader: { push(chunk: Buffer): void }, bytes: Buffer, size: number): void {
  for (let i = 0; i < bytes.length; i += size) reader.push(bytes.subarray(i, i + size));
}

describe('Redis command reader', () => {
  const stream = Buffer.from(resp('multi') + resp('hset', 'kw:RefreshToken:{abc}', 'p', '{"a":"é"}') + resp('expire', 'kw:RefreshToken:{abc}', '60') + resp('exec') + resp('evalsha', 'f00', '1', 'kw:AccessToken:{x}', '17'));

  it.each([1, 3, 7, stream.length])('reads every command from chunks of %i bytes', (size) => {
    const seen: RedisCommand[] = [];
    feed(new RespCommandReader((c) => seen.push(c)), stream, size);
    expect(seen.map((c) => commandLabel(c, 'kw:'))).toEqual(['MULTI', 'HSET RefreshToken', 'EXPIRE RefreshToken', 'EXEC', 'EVALSHA AccessToken']);
    expect(seen[1]!.args).toEqual(['kw:RefreshToken:{abc}', 'p', '{"a":"é"}']);
  });

  it('refuses a stream that is not RESP arrays', () => {
    expect(() => new RespCommandReader(() => {}).push(Buffer.from('PING\r\n'))).toThrow(/not a RESP array/);
  });
});

function message(type: string, ...fields: Array<string | Buffer>): Buffer {
  const body = Buffer.concat(fields.map((f) => (typeof f === 'string' ? Buffer.from(`${f}\0`) : f)));
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function startup(code: number, rest = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + rest.length, 0);
  head.writeInt32BE(code, 4);
  return Buffer.concat([head, rest]);
}

describe('Postgres statement reader', () => {
  const int16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  const stream = Buffer.concat([
    startup(80877103), // SSLRequest, answered with one byte
    startup(196608, Buffer.from('user\0postgres\0\0')),
    message('p', 'secret'),
    message('Q', 'select 1'),
    message('P', '', 'select *\n  from users where id = $1', int16(0)),
    message('B', '', '', int16(0), int16(0), int16(0)),
    message('D', Buffer.from('P\0')),
    message('E', '', Buffer.alloc(4)),
    message('S'),
    message('P', 'named', 'update api_keys set last_used_at = $1', int16(0)),
    message('B', 'portal', 'named', int16(0), int16(0), int16(0)),
    message('E', 'portal', Buffer.alloc(4)),
    message('S'),
  ]);

  it.each([1, 5, stream.length])('reads each statement run from chunks of %i bytes, and which write', (size) => {
    const seen: PgStatement[] = [];
    feed(new PgStatementReader((s) => seen.push(s)), stream, size);
    expect(seen).toEqual([
      { sql: 'select 1', write: false },
      { sql: 'select * from users where id = $1', write: false },
      { sql: 'update api_keys set last_used_at = $1', write: true },
    ]);
  });
});
