// Starting and stopping the HTTP server, with a drain on shutdown. Separate from main.ts so
// tests start the real server exactly as production does.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { TokenEndpoint } from '../token/endpoint.js';
import type { DirectRouter } from './direct-router.js';
import { observeRequest } from './request-observer.js';
import { pathOf, type RouteTable } from './routes.js';

// One composed request handler per provider instance (a signing-key change swaps the provider).
const handlers = new WeakMap<Provider, ReturnType<Provider['callback']>>();
function handlerOf(provider: Provider): ReturnType<Provider['callback']> {
  let handler = handlers.get(provider);
  if (!handler) {
    handler = provider.callback();
    handlers.set(provider, handler);
  }
  return handler;
}

export interface RunningServer {
  server: Server;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), closes the stores. */
  stop(): Promise<void>;
}

/** What the server needs of the composed services (compose/services.ts). */
export interface Served {
  routes: RouteTable;
  app: Koa;
  provider: () => Provider;
  tokenEndpoint: TokenEndpoint;
  direct: DirectRouter;
  logger: Logger;
  metrics: Metrics;
  config: { shutdownDelay: number; shutdownTimeout: number };
  /** Readiness turns 503 from here on. */
  startDraining(): void;
  /** Closes the stores. */
  close(): Promise<void>;
}

export async function startServer(services: Served, port: number, host?: string): Promise<RunningServer> {
  let draining = false;
  const handle = services.app.callback();
  const server = createServer((req, res) => {
    // Ask keep-alive clients to reconnect elsewhere once draining.
    if (draining) res.setHeader('connection', 'close');
    // oidc-provider's own routes and the direct endpoints skip the outer Koa app: a Koa
    // context per request cost the token endpoint a fifth of its throughput and introspection
    // a third (docs/benchmarks.md).
    const path = pathOf(req.url);
    observeRequest(req, res, path, services.routes.labelOf, services.logger, services.metrics);
    const provider = () => void handlerOf(services.provider())(req, res);
    switch (services.routes.ownerOf(path)) {
      case 'token':
        return void services.tokenEndpoint(req, res, provider);
      case 'provider':
        return provider();
      case 'direct':
        return void services.direct(req, res, path);
      case 'app':
        return void handle(req, res);
    }
  });
  server.keepAliveTimeout = 65_000; // above common load-balancer idle timeouts (60 s)
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  // Listening on every address: localhost is the one a person can open.
  const unspecified = address.address === '::' || address.address === '0.0.0.0';
  const shownHost = unspecified ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      draining = true;
      services.startDraining();
      // /readyz fails from here on, but a balancer that routes by readiness keeps sending new
      // connections until its next probe, and a closed listener would refuse them. So keep
      // accepting for SHUTDOWN_DELAY; every answer meanwhile says `connection: close`, so
      // keep-alive clients move elsewhere between requests instead of racing the close below.
      if (services.config.shutdownDelay > 0) await new Promise((resolve) => setTimeout(resolve, services.config.shutdownDelay * 1000));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // close() only drops the connections idle at that moment; a keep-alive connection whose
      // request finishes later would hold shutdown until its idle timeout. Reap them as they idle.
      const reaper = setInterval(() => server.closeIdleConnections(), 100);
      server.closeIdleConnections();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, services.config.shutdownTimeout * 1000).unref());
      await Promise.race([closed, timeout]);
      clearInterval(reaper);
      server.closeAllConnections();
      await services.close();
    })();
    return stopping;
  };
  return { server, url, stop };
}
