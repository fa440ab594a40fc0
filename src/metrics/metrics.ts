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
