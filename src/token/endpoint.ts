// POST /oauth2/token: the fast paths answer the ordinary client-credentials and refresh
// requests (token/fast-path.ts) and hand every other request to oidc-provider, body replayed
// (token/body-replay.ts). CLIENT_CREDENTIALS_FAST_PATH=false and REFRESH_TOKEN_FAST_PATH=false
// send those grants to oidc-provider too, which answers the same
// (test/token/*-differential.test.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FailureReporter } from '../http/failure.js';
import { tokenFastPaths, type FastGrant } from './fast-path.js';
import { clientCredentialsGrant, type ClientCredentialsDeps } from './client-credentials.js';
import { refreshRotation, type RefreshRotationDeps } from './refresh-rotation.js';

/** Answers a token request, or hands it (body replayed) to `provider`. */
export type TokenEndpoint = (req: IncomingMessage, res: ServerResponse, provider: () => void) => Promise<void>;

const providerOnly: TokenEndpoint = async (_req, _res, provider) => provider();

export interface TokenEndpointDeps {
  clientCredentials: ClientCredentialsDeps | undefined;
  refreshToken: RefreshRotationDeps | undefined;
  reportFailure: FailureReporter;
}

/** The endpoint with a fast path for each grant given deps (undefined: that grant goes to oidc-provider). */
export function tokenEndpoint(deps: TokenEndpointDeps): TokenEndpoint {
  const grants: Record<string, FastGrant> = {};
  if (deps.clientCredentials) grants.client_credentials = clientCredentialsGrant(deps.clientCredentials);
  if (deps.refreshToken) grants.refresh_token = refreshRotation(deps.refreshToken);
  return Object.keys(grants).length > 0 ? tokenFastPaths(grants, deps.reportFailure) : providerOnly;
}
