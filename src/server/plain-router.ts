// Keyward's own form-POST OAuth endpoints (introspection, revocation) answer on node:http
// directly, as oidc-provider's routes do: they read a form, authenticate a client and answer
// JSON. A Koa context around that cost them a third of their throughput, and a promise per step
// more (docs/benchmarks.md): the router reads the form with callbacks and an endpoint answers
// at once when it can (src/lib/maybe-promise.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeywardError } from '../lib/errors.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import type { FailureReporter } from '../http/failure.js';
import { receiveFormBody } from '../http/form-body.js';

export interface PlainAnswer {
  /** JSON body; undefined answers 200 with an empty body. */
  body?: object;
  headers?: Record<string, string>;
}

/** Answers a form POST whose body `params` holds. */
export type PlainEndpoint = (req: IncomingMessage, params: Map<string, string>) => MaybePromise<PlainAnswer>;

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
  return (req, res, path) => {
    const endpoint = table.get(path);
    if (!endpoint) return false;
    const fail = (err: unknown) => {
      const { status, body, headers } = report(err, path);
      sendJson(res, status, body, headers);
    };
    const succeed = ({ body, headers }: PlainAnswer) => sendJson(res, 200, body, headers);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      fail(new KeywardError('method_not_allowed', `${req.method ?? 'this method'} is not allowed here`));
      return true;
    }
    receiveFormBody(req, res, (err, params) => {
      if (err) return fail(err);
      let answer: MaybePromise<PlainAnswer>;
      try {
        answer = endpoint(req, params!);
      } catch (thrown) {
        return fail(thrown);
      }
      if (answer instanceof Promise) answer.then(succeed, fail);
      else succeed(answer);
    });
    return true;
  };
}
