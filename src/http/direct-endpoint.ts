// An endpoint answered on node:http without Koa (server/direct-router.ts routes to it): a form
// POST in, JSON out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MaybePromise } from '../lib/maybe-promise.js';

export interface DirectAnswer {
  /** JSON body; undefined answers 200 with an empty body. */
  body?: object;
  headers?: Record<string, string>;
}

/** Answers a form POST whose body `params` holds. */
export type DirectEndpoint = (req: IncomingMessage, params: Map<string, string>) => MaybePromise<DirectAnswer>;

/** A JSON answer (or an empty one) that is never cached. */
export function sendJson(res: ServerResponse, status: number, body: object | undefined, headers?: Record<string, string>): void {
  res.statusCode = status;
  if (headers) for (const name in headers) res.setHeader(name, headers[name]!);
  // RFC 6749 §5.1, RFC 7662 §2.2: answers about credentials are never cached.
  res.setHeader('cache-control', 'no-store');
  if (body === undefined) {
    res.setHeader('content-length', 0);
    res.end();
    return;
  }
  res.setHeader('content-type', 'application/json; charset=utf-8');
  // node:http sets Content-Length itself for a body given whole to end().
  res.end(JSON.stringify(body));
}
