// What oidc-provider reports, turned into metrics and log lines: tokens issued, replayed codes
// and refresh tokens (possible theft), store outages (answered 503 by the edge middleware).
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { StorageUnavailableError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../metrics/metrics.js';

export function observeProviderEvents(provider: Provider, logger: Logger, metrics: Metrics): void {
  provider.on('server_error', (ctx: KoaContextWithOIDC, err: Error) => {
    if (err instanceof StorageUnavailableError) {
      ctx.state.storageUnavailable = true;
      metrics.storeError(err.store);
      logger.warn({ store: err.message, route: ctx.oidc?.route }, 'request failed: store unavailable');
      return;
    }
    logger.error({ err: { name: err.name, message: err.message }, route: ctx.oidc?.route }, 'oidc-provider server_error');
  });
  provider.on('access_token.issued', (token: { gty?: string }) => metrics.tokenIssued(token.gty?.split(' ').pop() ?? 'unknown'));
  provider.on('client_credentials.issued', () => metrics.tokenIssued('client_credentials'));
  provider.on('grant.error', (_ctx: KoaContextWithOIDC, err: { error_detail?: string }) => {
    if (err.error_detail === 'refresh token already used') metrics.grantSourceReused('refresh_token');
    else if (err.error_detail === 'authorization code already consumed') metrics.grantSourceReused('authorization_code');
  });
}
