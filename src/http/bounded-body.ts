import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeywardError } from '../lib/errors.js';

/** The request body as UTF-8 text (see readBoundedBytes). */
export async function readBoundedBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<string> {
  return (await readBoundedBytes(req, res, maxBytes)).toString('utf8');
}

/**
 * The raw request body, refused with 413 past `maxBytes` (declared or actually sent); the
 * connection then closes rather than reading the rest.
 */
export function readBoundedBytes(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => receiveBoundedBytes(req, res, maxBytes, (err, body) => (err ? reject(err) : resolve(body!))));
}

/**
 * readBoundedBytes with a callback, called exactly once. Read with plain stream events: the
 * async iterator cost the introspection endpoint a tenth of its throughput
 * (docs/benchmarks.md).
 */
export function receiveBoundedBytes(req: IncomingMessage, res: ServerResponse, maxBytes: number, done: (err: unknown, body?: Buffer) => void): void {
  const tooLarge = () => {
    res.setHeader('connection', 'close');
    return new KeywardError('payload_too_large', `the body exceeds ${maxBytes} bytes`);
  };
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return done(tooLarge());
  const chunks: Buffer[] = [];
  let size = 0;
  const stop = () => {
    req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxBytes) return void chunks.push(chunk);
    stop();
    // The rest is never read: the connection closes after the 413.
    req.pause();
    done(tooLarge());
  };
  const onEnd = () => {
    stop();
    done(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  };
  const onError = (err: Error) => {
    stop();
    done(err);
  };
  // Nobody reads the answer to an aborted request; it is no server error either.
  const onAborted = () => onError(new KeywardError('invalid_request', 'the request body was cut short'));
  // `on`, not `once`: stop() removes all four the first time any of them fires.
  req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
}

/** Whether the request's media type (parameters and case aside) is `type`. */
export function hasMediaType(req: IncomingMessage, type: string): boolean {
  const header = req.headers['content-type'];
  if (!header) return false;
  const semicolon = header.indexOf(';');
  return (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase() === type;
}
