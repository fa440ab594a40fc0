// Who is calling the management API: an API key (secret or restricted) or an OAuth access
// token, either way bound to one organization and holding management scopes. Failed
// credentials are counted per source address (checklist F48).
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { KeywardError } from '../lib/errors.js';
import { presentedCredential } from '../http/credentials.js';
import type { ApiKeyVerifier } from '../api-keys/verifier.js';
import type { Actor } from '../api-keys/service.js';
import { JWT_SHAPE, type AccessTokenVerifier } from '../oauth/access-token-verifier.js';
import type { Limit, RateLimiter } from '../rate-limit/limiter.js';
import { recordAudit } from '../audit/record.js';
import type { ClientRegistry } from '../clients/registry.js';
import { withoutManagementScopes, type Grantor } from '../policy/grantor.js';
import type { ApiKeyRecord } from '../api-keys/repository.js';

export type Authenticate = (ctx: Context) => Promise<Actor>;

const FAILURES_PER_IP = 60;
const WINDOW_SECONDS = 60;
const AUDIT_EVERY_MS = 60_000;

export function managementAuthenticator(deps: {
  db: Kysely<Database>;
  keys: ApiKeyVerifier;
  accessTokens: AccessTokenVerifier;
  limiter: RateLimiter;
  registry: ClientRegistry;
  /** The only audience accepted here (policy/audiences.ts). */
  audience: string;
}): Authenticate {
  const lastAudit = new Map<string, number>();

  /** The owner hears about refusals of their key, at most once a minute per key. */
  async function auditRefusal(keyId: string, organizationId: string, reason: string) {
    const now = Date.now();
    if ((lastAudit.get(keyId) ?? 0) > now - AUDIT_EVERY_MS) return;
    lastAudit.set(keyId, now);
    if (lastAudit.size > 10_000) lastAudit.clear();
    await recordAudit(deps.db, { organizationId, actor: 'keyward', action: 'api_key.verification_failed', target: keyId, data: { reason } });
  }

  // Counted per source address only (behind TRUST_PROXY, the client's): a credential is never
  // refused because of someone else's failures (docs/security.md, "Limits").
  return async (ctx) => {
    const { credential, asApiKey } = presentedCredential(ctx);
    const limits: Limit[] = [{ key: `auth:ip:${ctx.ip}`, max: FAILURES_PER_IP, windowSeconds: WINDOW_SECONDS }];
    // Counted before the credential is looked at, taken back when it is good.
    const wait = await deps.limiter.consume(limits);
    if (wait > 0) throw new KeywardError('rate_limited', 'too many failed credentials; retry later', undefined, { retryAfter: wait });
    // x-api-key carries API keys only: a token there is a refused key, as @keyward/verify says too.
    if (asApiKey && JWT_SHAPE.test(credential)) throw new KeywardError('invalid_api_key', 'the API key is not valid');
    const actor = await identify(ctx, credential);
    await deps.limiter.refund(limits);
    return actor;
  };

  async function identify(ctx: Context, credential: string): Promise<Actor> {
    // A JWT goes to the token path; anything else is judged as an API key, so a malformed,
    // unknown, revoked, expired or wrong-address key all get the same answer (checklist F47),
    // as from @keyward/verify: a stolen key tried elsewhere learns nothing. The organization's
    // audit log has the reason.
    if (!JWT_SHAPE.test(credential)) {
      const result = await deps.keys.verify(credential, { ip: ctx.ip });
      if (!result.ok) {
        if (result.key) await auditRefusal(result.key.id, result.key.organization_id, result.reason);
        throw new KeywardError('invalid_api_key', 'the API key is not valid');
      }
      if (result.key.type === 'publishable') {
        throw new KeywardError('insufficient_scope', 'publishable keys cannot call the management API');
      }
      return { organizationId: result.key.organization_id, id: result.key.id, grantor: keyGrantor(result.key) };
    }

    const token = await deps.accessTokens(credential);
    // RFC 8707: a token for any other audience was meant for a resource server, which could
    // otherwise replay it here.
    if (!token || !forAudience(token.payload.aud, deps.audience)) {
      throw new KeywardError('invalid_token', 'the access token is not valid');
    }
    const { organizationId, grantId } = token.issued;
    const scopes = typeof token.payload.scope === 'string' ? token.payload.scope.split(' ').filter(Boolean) : [];
    // Management scopes as the token holds them, product scopes as its client is registered
    // with (a management token carries none of its own): an app never hands out more than it
    // could ask for itself.
    const client = await deps.registry.find(token.payload.client_id);
    const registered = withoutManagementScopes((client?.scope ?? '').split(' '));
    const holds = [...scopes, ...registered];
    // A user's token acts with the user's role as it is now (checked by the verifier), not as it
    // was at consent.
    if (grantId && token.payload.sub && token.role) return { organizationId, id: token.payload.sub, grantor: { kind: 'user', role: token.role, holds } };
    return { organizationId, id: token.payload.client_id, grantor: { kind: 'credential', holds } };
  }
}

function forAudience(aud: unknown, audience: string): boolean {
  return aud === audience || (Array.isArray(aud) && aud.length === 1 && aud[0] === audience);
}

/** A key in its rotation grace period was replaced: it keeps working, but manages nothing. */
function keyGrantor(key: ApiKeyRecord): Grantor {
  const rotatedOut = key.revoked_at !== null;
  return { kind: 'credential', holds: rotatedOut ? withoutManagementScopes(key.scopes) : key.scopes };
}
