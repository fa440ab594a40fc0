// The kit's one error: a status, an RFC 6750 error code, and the WWW-Authenticate value to send.
export type VerificationErrorCode =
  | 'missing_credentials'
  | 'invalid_request'
  | 'invalid_token'
  | 'invalid_api_key'
  | 'insufficient_scope'
  | 'temporarily_unavailable';

const STATUS: Record<VerificationErrorCode, 400 | 401 | 403 | 503> = {
  missing_credentials: 401,
  invalid_request: 400,
  invalid_token: 401,
  invalid_api_key: 401,
  insufficient_scope: 403,
  temporarily_unavailable: 503,
};

export class VerificationError extends Error {
  override name = 'VerificationError';
  readonly status: 400 | 401 | 403 | 503;
  readonly wwwAuthenticate: string | undefined;
  /** insufficient_scope: the scope that was required. */
  readonly scope: string | undefined;

  constructor(
    readonly error: VerificationErrorCode,
    readonly description: string,
    options: { realm?: string; scope?: string } = {},
  ) {
    super(description);
    this.status = STATUS[error];
    this.scope = options.scope;
    const realm = `Bearer realm="${options.realm ?? 'api'}"`;
    if (error === 'missing_credentials') this.wwwAuthenticate = realm; // RFC 6750 §3.1
    else if (error === 'insufficient_scope') this.wwwAuthenticate = `${realm}, error="insufficient_scope"${options.scope ? `, scope="${options.scope}"` : ''}`;
    else if (this.status === 401 || error === 'invalid_request') this.wwwAuthenticate = `${realm}, error="${error}"`;
    else this.wwwAuthenticate = undefined;
  }

  /** The JSON body every Keyward-protected API answers with. */
  toJSON(): { error: VerificationErrorCode; error_description: string; scope?: string } {
    return { error: this.error, error_description: this.description, ...(this.scope ? { scope: this.scope } : {}) };
  }
}
