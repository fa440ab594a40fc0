// Keyward's token endpoint on a port of its own, telling for each request whether the fast
// path answered it or handed it to oidc-provider.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestServer } from '../helpers/server.js';

interface Front {
  url: string;
  close(): Promise<void>;
}

export type Answer = { status: number; body: Record<string, unknown>; by: 'fast path' | 'oidc-provider' };

/** Keyward's token endpoint on its own port, telling who answered each request. */
export async function frontOf(server: TestServer): Promise<Front & { post(body: string, authorization: string): Promise<Answer> }> {
  const answeredBy = new Map<string, Answer['by']>();
  const front: Server = createServer((req, res) => {
    const id = String(req.headers['x-test-id']);
    answeredBy.set(id, 'fast path');
    void server.services.tokenEndpoint(req, res, () => {
      answeredBy.set(id, 'oidc-provider');
      void server.services.provider().callback()(req, res);
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(front.address() as AddressInfo).port}/oauth2/token`;
  let next = 0;
  return {
    url,
    close: () => new Promise((resolve) => front.close(() => resolve())),
    async post(body, authorization) {
      const id = String(next++);
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization, 'x-test-id': id }, body });
      return { status: res.status, body: (await res.json()) as Record<string, unknown>, by: answeredBy.get(id)! };
    },
  };
}
