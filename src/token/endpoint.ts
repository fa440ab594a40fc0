// POST /oauth2/token: the fast path answers the ordinary client-credentials request
// (token/fast-path.ts) and hands every other request to oidc-provider, body replayed
// (token/body-replay.ts). CLIENT_CREDENTIALS_FAST_PATH=false sends every request to
// oidc-provider, which answers the same (test/token/fast-path-differential.test.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientCredentialsFastPath, type FastPathDeps } from './fast-path.js';

/** Answers a token request, or hands it (body replayed) to `provider`. */
export type TokenEndpoint = (req: IncomingMessage, res: ServerResponse, provider: () => void) => Promise<void>;

const providerOnly: TokenEndpoint = async (_req, _res, provider) => provider();

export function tokenEndpoint(fastPath: boolean, deps: FastPathDeps): TokenEndpoint {
  return fastPath ? clientCredentialsFastPath(deps) : providerOnly;
}
