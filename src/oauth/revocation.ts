// RFC 7009 token revocation, Keyward's own (oidc-provider refuses JWT access tokens).
//  - a refresh token revokes its whole grant: every token issued under it stops working;
//  - a JWT access token stops being active at introspection (resource servers that verify
//    locally accept it until it expires, as with any self-contained token);
//  - anything unknown answers 200 (RFC 7009 §2.2), and a token of another client is refused
//    with unauthorized_client and left alone (§2.1).
import { decodeJwt } from 'jose';
import type Provider from 'oidc-provider';
import type { ClientRegistry } from '../clients/registry.js';
import { KeywardError } from '../lib/errors.js';
import type { DirectEndpoint } from '../http/direct-endpoint.js';
import { authenticateClient } from './client-authentication.js';
import type { ProtocolRecords } from '../grants/records.js';
import { MAX_TOKEN_LENGTH, type AccessTokenVerifier } from './access-token-verifier.js';

const notYours = () => new KeywardError('unauthorized_client', 'the token was not issued to this client');

export function revocationEndpoint(deps: {
  registry: ClientRegistry;
  provider: () => Provider;
  verifyAccessToken: AccessTokenVerifier;
  records: ProtocolRecords;
}): DirectEndpoint {
  return async (req, params) => {
    const caller = await authenticateClient(req.headers.authorization, params, deps.registry, { allowPublic: true });
    const token = params.get('token');
    if (!token) throw new KeywardError('invalid_request', 'token is required', 'token');
    if (token.length <= MAX_TOKEN_LENGTH) await revoke(token, caller.client_id);
    // RFC 7009 §2.2: 200 with no body, whether or not the token existed.
    return {};
  };

  async function revoke(token: string, callerId: string): Promise<void> {
    const accessToken = await deps.verifyAccessToken(token);
    if (accessToken) {
      if (accessToken.payload.client_id !== callerId) throw notYours();
      if (accessToken.issued.grantId) await deps.records.forgetIssuedAccessToken(accessToken.payload.jti);
      else await deps.records.revokedAccessTokens.revoke(accessToken.payload.jti, accessToken.payload.exp - Math.floor(Date.now() / 1000));
      return;
    }
    if (looksLikeJwt(token)) return;

    const refreshToken = await deps.provider().RefreshToken.find(token);
    if (!refreshToken) return;
    if (refreshToken.clientId !== callerId) throw notYours();
    await Promise.all([
      refreshToken.destroy(),
      refreshToken.grantId ? deps.records.revokeGrant(refreshToken.grantId) : undefined,
    ]);
  }
}

function looksLikeJwt(token: string): boolean {
  try {
    decodeJwt(token);
    return true;
  } catch {
    return false;
  }
}
