// JSON request bodies: application/json only, bounded, parsed by a strict zod schema so unknown
// fields are refused and the first fault is named in `param`.
import type { Context } from 'koa';
import type { z } from 'zod';
import { KeywardError } from '../lib/errors.js';
import { hasMediaType, readBoundedBody } from './bounded-body.js';
import { unstorablePath } from '../db/nul-characters.js';

const MAX_BODY_BYTES = 16 * 1024;

export function schemaError(error: z.ZodError): KeywardError {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    return new KeywardError('invalid_request', `unknown field ${JSON.stringify(issue.keys[0])}`, issue.keys[0]);
  }
  const param = issue.path.join('.') || undefined;
  return new KeywardError('invalid_request', param ? `${param}: ${issue.message}` : issue.message, param);
}

export async function readJson<T extends z.ZodType>(ctx: Context, schema: T): Promise<z.infer<T>> {
  const text = await readBoundedBody(ctx.req, ctx.res, MAX_BODY_BYTES);
  let value: unknown = {};
  if (text.trim() !== '') {
    if (!hasMediaType(ctx.req, 'application/json')) throw new KeywardError('unsupported_media_type', 'the body must be application/json');
    try {
      value = JSON.parse(text);
    } catch {
      throw new KeywardError('invalid_request', 'the body is not valid JSON');
    }
  }
  // Refused at the edge: nothing with a NUL byte reaches storage (it would read as an outage).
  const nul = unstorablePath(value);
  if (nul) throw new KeywardError('invalid_request', `${nul} must not contain a NUL character`, nul);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw schemaError(parsed.error);
  return parsed.data;
}
