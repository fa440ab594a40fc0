// Around every request, whichever handler answers it (Keyward's Koa app or oidc-provider):
// a request id, the baseline security headers, one log line and the metrics. Only the path is
// logged: query strings can carry codes and state; never headers, cookies or bodies.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../metrics/metrics.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function observeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  routeLabel: (path: string) => string,
  logger: Logger,
  metrics: Metrics,
): void {
  const started = performance.now();
  const incoming = req.headers['x-request-id'];
  // A caller's X-Request-Id is kept (if sane) so logs join up across services.
  const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('x-request-id', requestId);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  const method = req.method ?? 'GET';
  // 'finish' fires once per response; `on` spares the wrapper `once` allocates per request.
  res.on('finish', () => {
    const seconds = (performance.now() - started) / 1000;
    metrics.observeRequest(routeLabel(path), method, res.statusCode, seconds);
    if (logger.isLevelEnabled('info')) {
      logger.info({ reqId: requestId, method, path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    }
  });
}
