// `npm start` / `node dist/main.js`: load the configuration, build, serve, drain on SIGTERM.
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './lib/logger.js';
import { exitOnUnhandledErrors } from './lib/fatal.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`keyward: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  exitOnUnhandledErrors(logger);
  // Loaded after the configuration is known good, so a bad setting prints one line and nothing
  // else (oidc-provider prints a runtime notice when it loads on Node 20).
  const [{ buildServices }, { startServer }, { startControlSocket }, { startMetricsServer }] = await Promise.all([
    import('./compose/services.js'),
    import('./server/start.js'),
    import('./control/server.js'),
    import('./metrics/endpoint.js'),
  ]);
  const services = await buildServices(config, logger);
  const running = await startServer(services, config.port);
  const control = services.database.kind === 'pglite' ? await startControlSocket(services) : undefined;
  const metricsServer = config.metricsPort ? await startMetricsServer(services.metrics, config.metricsPort) : undefined;
  const registry = services.database.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'Postgres';
  logger.info(
    { issuer: config.issuer, listening: running.url, database: services.database.kind, protocolState: services.store.kind },
    `keyward started: listening on ${running.url} (issuer ${config.issuer}; registry: ${registry}; protocol state: ${services.store.kind === 'redis' ? 'Redis' : 'the database'})`,
  );

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    void (async () => {
      await control?.close();
      metricsServer?.close();
      await running.stop();
      logger.info('stopped');
      process.exit(0);
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`keyward: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
