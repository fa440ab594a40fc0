// Keyward's own form-POST OAuth endpoints (introspection, revocation) answer on node:http
// directly, as oidc-provider's routes do: they read a form, authenticate a client and answer
// JSON. A Koa context around that cost them a third of their throughput (docs/benchmarks.md).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeywardError } from '../errors.js';
import type { FailureReporter } from './failure.js';

export interface PlainAnswer {
  /** JSON body; undefined answers 200 with an empty body. */
  body?: object;
  headers?: Record<string, string>;
}

export type PlainEndpoint = (req: IncomingMessage, res: ServerResponse) => Promise<PlainAnswer>;

/** Answers POSTs to its paths; true when the request was one of them. */
export type PlainRouter = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

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
  const text = JSON.stringify(body);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

export function plainRouter(endpoints: Record<string, PlainEndpoint>, report: FailureReporter): PlainRouter {
  const table = new Map(Object.entries(endpoints));
  const answer = async (endpoint: PlainEndpoint, req: IncomingMessage, res: ServerResponse, path: string) => {
    try {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        throw new KeywardError('method_not_allowed', `${req.method ?? 'this method'} is not allowed here`);
      }
      const { body, headers } = await endpoint(req, res);
      sendJson(res, 200, body, headers);
    } catch (err) {
      const { status, body, headers } = report(err, path);
      sendJson(res, status, body, headers);
    }
  };
  return (req, res, path) => {
    const endpoint = table.get(path);
    if (!endpoint) return false;
    void answer(endpoint, req, res, path);
    return true;
  };
}
