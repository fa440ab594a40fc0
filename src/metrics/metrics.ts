// Prometheus metrics (prom-client), on a registry of Keyward's own: what operators alert on.
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerCounter, registerRequestMetrics, type ObserveRequest } from './hot-metrics.js';

export interface Metrics {
  registry: Registry;
  observeRequest: ObserveRequest;
  tokenIssued(grant: string): void;
  apiKeyVerified(result: string): void;
  grantSourceReused(kind: 'refresh_token' | 'authorization_code'): void;
  storeError(store: string): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // Process metrics and event-loop lag (nodejs_eventloop_lag_seconds and its percentiles).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const observeRequest = registerRequestMetrics(registry);
  const tokens = registerCounter(registry, 'keyward_tokens_issued_total', 'Access tokens issued, by grant type.', 'grant');
  const keys = registerCounter(registry, 'keyward_api_key_verifications_total', 'API key verifications, by result.', 'result');
  const reuse = registerCounter(registry, 'keyward_grant_source_reuse_total', 'Refresh tokens or codes presented again after use (the grant was revoked).', 'kind');
  const storeErrors = registerCounter(registry, 'keyward_store_errors_total', 'Requests that failed because Postgres or Redis did not answer.', 'store');
  return {
    registry,
    observeRequest,
    tokenIssued: tokens,
    apiKeyVerified: keys,
    grantSourceReused: reuse,
    storeError: storeErrors,
  };
}

const FIXED = new Set([
  '/oauth2/token', '/oauth2/authorize', '/oauth2/jwks', '/oauth2/introspect', '/oauth2/revoke', '/oauth2/userinfo',
  '/oauth2/par', '/oauth2/logout', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server',
  '/healthz', '/readyz', '/metrics', '/assets/keyward.css', '/v1/openapi.json',
]);

/** A bounded route label: ids in paths become placeholders, unknown paths one bucket. */
export function routeLabel(path: string): string {
  if (FIXED.has(path)) return path;
  if (path.startsWith('/oauth2/authorize/')) return '/oauth2/authorize/:uid';
  const interaction = /^\/interaction\/[^/]+(\/(login|organization|confirm|abort))?$/.exec(path);
  if (interaction) return `/interaction/:uid${interaction[1] ?? ''}`;
  const v1 = /^\/v1\/(api-keys|oauth-clients|members)(\/[^/]+)?(\/(revoke|rotate|rotate-secret))?$/.exec(path);
  if (v1) return `/v1/${v1[1]}${v1[2] ? '/:id' : ''}${v1[3] ?? ''}`;
  return 'other';
}
