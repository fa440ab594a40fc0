// One error type for the whole product. Codes are data: the HTTP status and the public body
// are derived from the code, never chosen at the throw site.
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_token'
  | 'invalid_api_key'
  | 'missing_credentials'
  | 'insufficient_scope'
  | 'scope_not_allowed'
  | 'rate_limited'
  | 'unauthorized_client'
  | 'unsupported_token_type'
  | 'access_denied'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'conflict'
  | 'temporarily_unavailable'
  | 'server_error';

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  invalid_scope: 400,
  invalid_redirect_uri: 400,
  invalid_client_metadata: 400,
  invalid_token: 401,
  invalid_api_key: 401,
  missing_credentials: 401,
  insufficient_scope: 403,
  scope_not_allowed: 422,
  rate_limited: 429,
  unauthorized_client: 400,
  unsupported_token_type: 400,
  access_denied: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  conflict: 409,
  temporarily_unavailable: 503,
  server_error: 500,
};

export class KeywardError extends Error {
  override name = 'KeywardError';
  constructor(
    readonly code: ErrorCode,
    readonly description: string,
    readonly param?: string,
    /** insufficient_scope: the scope required; rate_limited: seconds to wait. */
    readonly detail?: { scope?: string; retryAfter?: number },
  ) {
    super(`${code}: ${description}`);
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export interface ErrorBody {
  error: ErrorCode;
  error_description: string;
  param?: string;
  scope?: string;
}

const BEARER_REALM = 'Bearer realm="keyward"';

export interface HttpError {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** Maps any thrown value to the public response. Unknown errors never leak their message. */
export function toHttp(err: unknown): HttpError {
  if (err instanceof StorageUnavailableError) {
    return toHttp(new KeywardError('temporarily_unavailable', 'the service is temporarily unavailable; retry shortly'));
  }
  if (!(err instanceof KeywardError)) {
    return {
      status: 500,
      body: { error: 'server_error', error_description: 'internal server error' },
      headers: {},
    };
  }
  const body: ErrorBody = { error: err.code, error_description: err.description };
  if (err.param) body.param = err.param;
  if (err.detail?.scope) body.scope = err.detail.scope;
  const headers: Record<string, string> = {};
  switch (err.code) {
    // RFC 6749 §5.2: a failed HTTP Basic client authentication answers with the scheme it used.
    case 'invalid_client':
      headers['www-authenticate'] = 'Basic realm="keyward"';
      break;
    // RFC 6750 §3: no error attribute when no credential was sent at all.
    case 'missing_credentials':
      headers['www-authenticate'] = BEARER_REALM;
      break;
    case 'invalid_api_key':
    case 'invalid_token':
      headers['www-authenticate'] = `${BEARER_REALM}, error="${err.code}"`;
      break;
    case 'insufficient_scope':
      headers['www-authenticate'] = `${BEARER_REALM}, error="insufficient_scope"${err.detail?.scope ? `, scope="${err.detail.scope}"` : ''}`;
      break;
    case 'temporarily_unavailable':
      headers['retry-after'] = String(RETRY_AFTER_SECONDS);
      break;
    case 'rate_limited':
      headers['retry-after'] = String(err.detail?.retryAfter ?? 60);
      break;
  }
  return { status: err.status, body, headers };
}

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
