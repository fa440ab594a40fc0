// Keyward's own form-POST OAuth endpoints (introspection, revocation) answer on node:http
// directly, as oidc-provider's routes do: they read a form, authenticate a client and answer
// JSON. A Koa context around that cost them a third of their throughput, and a promise per step
// more (docs/benchmarks.md): the router reads the form with callbacks and an endpoint answers
// at once when it can (src/lib/maybe-promise.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeywardError } from '../lib/errors.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import { sendJson, type DirectAnswer, type DirectEndpoint } from '../http/direct-endpoint.js';
import type { FailureReporter } from '../http/failure.js';
import { receiveFormBody } from '../http/form-body.js';

/** Answers POSTs to its paths; true when the request was one of them. */
export type DirectRouter = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

export function directRouter(endpoints: Record<string, DirectEndpoint>, report: FailureReporter): DirectRouter {
  const table = new Map(Object.entries(endpoints));
  return (req, res, path) => {
    const endpoint = table.get(path);
    if (!endpoint) return false;
    const fail = (err: unknown) => {
      const { status, body, headers } = report(err, path);
      sendJson(res, status, body, headers);
    };
    const succeed = ({ body, headers }: DirectAnswer) => sendJson(res, 200, body, headers);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      fail(new KeywardError('method_not_allowed', `${req.method ?? 'this method'} is not allowed here`));
      return true;
    }
    receiveFormBody(req, res, (err, params) => {
      if (err) return fail(err);
      let answer: MaybePromise<DirectAnswer>;
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
