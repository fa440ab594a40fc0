import { createServer, type Server } from 'node:http';
import type { Context } from 'koa';
import type { Metrics } from './metrics.js';

export function metricsEndpoint(metrics: Metrics) {
  return async (ctx: Context) => {
    ctx.type = metrics.registry.contentType;
    ctx.set('cache-control', 'no-store');
    ctx.body = await metrics.registry.metrics();
  };
}

/** METRICS_PORT: a listener of its own that serves /metrics and nothing else. */
export async function startMetricsServer(metrics: Metrics, port: number, host?: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.statusCode = 404;
      res.end();
      return;
    }
    metrics.registry.metrics().then(
      (body) => {
        res.setHeader('content-type', metrics.registry.contentType);
        res.end(body);
      },
      () => {
        res.statusCode = 500;
        res.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
