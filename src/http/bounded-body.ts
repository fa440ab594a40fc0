import type { Context } from 'koa';
import { KeywardError } from '../errors.js';

/** The raw request body, refused with 413 past `maxBytes` (declared or actually sent). */
export async function readBoundedBody(ctx: Context, maxBytes: number): Promise<string> {
  const tooLarge = () => new KeywardError('payload_too_large', `the body exceeds ${maxBytes} bytes`);
  if (Number(ctx.get('content-length') || 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
