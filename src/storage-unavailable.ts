// A failure to reach Postgres or Redis. Requests that need the store answer 503
// temporarily_unavailable with Retry-After: fail closed, never a grant, never a 500.
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
  constructor(
    readonly store: string,
    options?: { cause?: unknown },
  ) {
    super(`${store} is unavailable`, options);
  }
}

export const RETRY_AFTER_SECONDS = 5;
