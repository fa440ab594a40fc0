// Reads an application/x-www-form-urlencoded body for Keyward's own OAuth endpoints
// (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1), bounded in size, with every parameter at most
// once (RFC 6749 §3.1: parameters MUST NOT be included more than once).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeywardError } from '../lib/errors.js';
import { hasMediaType, receiveBoundedBytes } from './bounded-body.js';

const MAX_BODY_BYTES = 16 * 1024;

export function readFormBody(req: IncomingMessage, res: ServerResponse): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => receiveFormBody(req, res, (err, params) => (err ? reject(err) : resolve(params!))));
}

/** readFormBody with a callback, for node:http handlers that answer without a promise. */
export function receiveFormBody(req: IncomingMessage, res: ServerResponse, done: (err: unknown, params?: Map<string, string>) => void): void {
  if (!hasMediaType(req, 'application/x-www-form-urlencoded')) {
    return done(new KeywardError('invalid_request', 'the body must be application/x-www-form-urlencoded'));
  }
  receiveBoundedBytes(req, res, MAX_BODY_BYTES, (err, body) => {
    if (err) return done(err);
    let params: Map<string, string>;
    try {
      params = parseForm(body!.toString('utf8'));
    } catch (parseErr) {
      return done(parseErr);
    }
    done(undefined, params);
  });
}

function parseForm(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (params.has(name)) throw new KeywardError('invalid_request', `parameter ${name} is repeated`, name);
    params.set(name, value);
  }
  return params;
}
