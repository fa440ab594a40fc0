// Reads an application/x-www-form-urlencoded body for Keyward's own OAuth endpoints
// (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1), bounded in size, with every parameter at most
// once (RFC 6749 §3.1: parameters MUST NOT be included more than once).
import type { Context } from 'koa';
import { KeywardError } from '../errors.js';

const MAX_BODY_BYTES = 16 * 1024;

export async function readFormBody(ctx: Context): Promise<Map<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new KeywardError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > MAX_BODY_BYTES) throw new KeywardError('payload_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new KeywardError('payload_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
    if (params.has(name)) throw new KeywardError('invalid_request', `parameter ${name} is repeated`, name);
    params.set(name, value);
  }
  return params;
}
