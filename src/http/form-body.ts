// Reads an application/x-www-form-urlencoded body for Keyward's own OAuth endpoints
// (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1), bounded in size, with every parameter at most
// once (RFC 6749 §3.1: parameters MUST NOT be included more than once).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeywardError } from '../errors.js';
import { hasMediaType, readBoundedBytes } from './bounded-body.js';

const MAX_BODY_BYTES = 16 * 1024;

export async function readFormBody(req: IncomingMessage, res: ServerResponse): Promise<Map<string, string>> {
  if (!hasMediaType(req, 'application/x-www-form-urlencoded')) {
    throw new KeywardError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams((await readBoundedBytes(req, res, MAX_BODY_BYTES)).toString('utf8'))) {
    if (params.has(name)) throw new KeywardError('invalid_request', `parameter ${name} is repeated`, name);
    params.set(name, value);
  }
  return params;
}
