// A request the fast path read but does not answer goes to oidc-provider with its body intact.
// oidc-provider reads a body only from a request that is `readable`, through its `iterator()`
// (so in the version pinned in package.json; how it reads bodies changed in a 9.11 patch): both
// are redefined to give back the bytes already read. The differential test
// (test/token/fast-path-differential.test.ts) holds both paths to the same answers.
import type { IncomingMessage } from 'node:http';

/** Replays an already-read body to whoever reads the request next (oidc-provider). */
export function replayBody(req: IncomingMessage, body: Buffer): void {
  Object.defineProperty(req, 'readable', { value: true, configurable: true });
  Object.defineProperty(req, 'iterator', {
    configurable: true,
    value: async function* replay() {
      if (body.length > 0) yield body;
    },
  });
}
