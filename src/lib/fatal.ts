// The last line of defence: a rejection or exception that nothing handled is logged as one
// structured line, then the process exits non-zero so that its supervisor restarts it. Node's
// default would print a bare stack outside the log, and its state after such an error is unknown.
import type { Logger } from './logger.js';

export function exitOnUnhandledErrors(logger: Logger): void {
  process.on('unhandledRejection', (reason: unknown) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });
  process.on('uncaughtException', (err: Error) => {
    logger.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
}
