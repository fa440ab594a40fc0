// What a failed request answers, for Keyward's Koa app and its direct endpoints alike: the
// error mapped by toHttp(), store outages counted, and server errors logged (never sent).
import { toHttp, type HttpError, StorageUnavailableError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../metrics/metrics.js';

export type FailureReporter = (err: unknown, path: string) => HttpError;

export function failureReporter(logger: Logger, metrics: Metrics): FailureReporter {
  return (err, path) => {
    if (err instanceof StorageUnavailableError) metrics.storeError(err.store);
    const answer = toHttp(err);
    if (answer.status >= 500) logger.error({ err, path }, 'request failed');
    return answer;
  };
}
