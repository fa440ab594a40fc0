// client_credentials is the hot path of machine-to-machine APIs. oidc-provider's token
// pipeline (a Koa app with a dozen middlewares, a client rebuilt from hashed metadata on every
// lookup) costs more than the token itself, so the ordinary valid case is answered here: a form
// body with grant_type=client_credentials and nothing else but scope and resource, a client
// authenticated with client_secret_basic, scopes the client holds. Anything else - every error,
// every other grant, every other authentication method, any unusual parameter or header - is
// handed to oidc-provider. The token's audience and scopes are decided by the same policy
// functions oidc-provider's hooks call (policy/audiences.ts, policy/token-scopes.ts); a request
// the policy refuses is handed over too, so oidc-provider words the refusal. What is handed
// over has its body replayed byte for byte, so oidc-provider stays the one authority on the
// protocol's edges. This path answers 200 with the token and the answer
// oidc-provider would have given (test/token/fast-path.test.ts compares the
// two), 503 when the stores do not answer, and 413 for a streamed body past oidc-provider's own
// limit (which oidc-provider would refuse with 400).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery, type ParsedUrlQuery } from 'node:querystring';
import { SignJWT } from 'jose';
import { signerCache } from './signer.js';
import type { ClientRegistry } from '../clients/registry.js';
import type { ClientRecord } from '../clients/repository.js';
import { hasMediaType, readBoundedBytes } from '../http/bounded-body.js';
import type { FailureReporter } from '../http/failure.js';
import { sendJson } from '../http/direct-endpoint.js';
import type { KeySet } from '../signing-keys/key-set.js';
import { parseBasicCredentials } from '../oauth/client-authentication.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import { replayBody } from './body-replay.js';
import type { TokenEndpoint } from './endpoint.js';
import { audienceKind, tokenResource, type Audiences } from '../policy/audiences.js';
import { organizationClaim } from '../grants/token-claims.js';
import { clientCredentialsCeiling, clientCredentialsRefusal } from '../policy/token-scopes.js';

// oidc-provider's own limit for token request bodies.
const MAX_BODY_BYTES = 56 * 1024;
const FAST_PARAMS = new Set(['grant_type', 'scope', 'resource']);
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3 scope-token
// What oidc-provider accepts in a Basic header (canonical base64) and in its decoded parts.
const CANONICAL_BASIC = /^Basic (?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const hasControlCharacter = (value: string) => {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
};

/** Client-secret-basic credentials as oidc-provider accepts them, or undefined. */
function basicCredentials(req: IncomingMessage) {
  const header = req.headers.authorization;
  const credentials = header && header.length <= 1024 && CANONICAL_BASIC.test(header) ? parseBasicCredentials(header) : undefined;
  if (!credentials || credentials.id.length === 0 || hasControlCharacter(credentials.id) || hasControlCharacter(credentials.secret)) return undefined;
  return credentials;
}

/** Requests this path never reads: other credentials, bodies, charsets, browsers (CORS). */
function outsideFastPath(req: IncomingMessage): boolean {
  return (
    req.method !== 'POST' ||
    req.headers.origin !== undefined ||
    !req.headers.authorization?.startsWith('Basic ') ||
    req.headers.dpop !== undefined ||
    Object.keys(req.headers).some((name) => name.startsWith('oauth-client-attestation')) ||
    !hasMediaType(req, 'application/x-www-form-urlencoded') ||
    !/^[^;]*(;\s*charset=("?)utf-8\2\s*)?$/i.test(req.headers['content-type'] ?? '') ||
    Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES
  );
}

export interface FastPathDeps {
  issuer: string;
  audiences: Audiences;
  /** Every scope an access token may carry. */
  scopes: readonly string[];
  /** The organization's plan now (policy/lookups.ts); undefined: no such organization. */
  planOf: (organizationId: string) => MaybePromise<readonly string[] | undefined>;
  accessTokenTtl: number;
  accessTokenAlg: string;
  registry: ClientRegistry;
  keySet: () => KeySet;
  /** Throws while the protocol store is down: a token that could not be revoked is not issued. */
  assertStoreAvailable: () => void;
  onIssued: () => void;
  reportFailure: FailureReporter;
}

export function clientCredentialsFastPath(deps: FastPathDeps): TokenEndpoint {
  const tokenScopes = new Set(deps.scopes);
  const signerFor = signerCache(deps.accessTokenAlg);

  /** The token, or undefined when oidc-provider must answer. */
  async function issue(req: IncomingMessage, params: ParsedUrlQuery): Promise<object | undefined> {
    for (const name in params) {
      // A repeated parameter parses as an array: oidc-provider refuses it.
      if (!FAST_PARAMS.has(name) || typeof params[name] !== 'string') return undefined;
    }
    const param = (name: string) => params[name] as string | undefined;
    if (param('grant_type') !== 'client_credentials') return undefined;
    const credentials = basicCredentials(req);
    if (!credentials) return undefined;

    const scopeParam = param('scope');
    const scopes = scopeParam === undefined ? [] : scopeParam.split(' ');
    if (scopes.some((scope) => !SCOPE_TOKEN.test(scope) || !tokenScopes.has(scope))) return undefined;
    const resource = param('resource') ?? tokenResource(deps.audiences, scopes);
    if (!audienceKind(deps.audiences, resource)) return undefined;

    const client: ClientRecord | undefined = await deps.registry.find(credentials.id);
    // Hashed for every client, known or not (checkSecret hashes a decoy for an unknown one), so
    // the time spent here does not tell which client ids exist (checklist B20).
    const secretMatches = deps.registry.checkSecret(client, credentials.secret);
    if (!client || !secretMatches || client.token_endpoint_auth_method !== 'client_secret_basic' || !client.grant_types.includes('client_credentials')) {
      return undefined;
    }
    // oidc-provider refuses a client without scopes as invalid metadata: so does this path.
    if (client.scope === '') return undefined;
    const clientScopes = client.scope.split(' ');
    const allowed = new Set(clientScopes);
    if (scopes.some((scope) => !allowed.has(scope))) return undefined;
    const lookup = deps.planOf(client.organization_id);
    // No await on a cache hit: each turn of the microtask queue shows at this rate (src/lib/maybe-promise.ts).
    const plan = lookup instanceof Promise ? await lookup : lookup;
    if (!plan) return undefined;
    const request = { audiences: deps.audiences, resource, requested: scopes, clientScopes, plan };
    if (clientCredentialsRefusal(request)) return undefined;
    // No scope asked for: every scope the client may have in this token (RFC 6749 §3.3 default).
    const granted = scopes.length > 0 ? scopes : clientCredentialsCeiling(request);
    deps.assertStoreAvailable();
    const signer = await signerFor(deps.keySet());
    if (!signer) return undefined;

    // The claims and their order as oidc-provider's JWT access-token format writes them,
    // with Keyward's own claim first, from the function the provider's hook also calls.
    const scope = [...new Set(granted)].join(' ') || undefined;
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + deps.accessTokenTtl;
    const accessToken = await new SignJWT({
      ...organizationClaim(client.organization_id),
      jti: randomBytes(32).toString('base64url'),
      sub: client.client_id,
      iat,
      exp,
      scope,
      client_id: client.client_id,
      iss: deps.issuer,
      aud: resource,
    })
      .setProtectedHeader({ alg: deps.accessTokenAlg, typ: 'at+jwt', kid: signer.kid })
      .sign(signer.key);
    deps.onIssued();
    return { access_token: accessToken, expires_in: deps.accessTokenTtl, ...(scope ? { scope } : {}), token_type: 'Bearer' };
  }

  return async (req, res, provider) => {
    if (outsideFastPath(req)) return provider();
    let answer: object | undefined;
    try {
      const raw = await readBoundedBytes(req, res, MAX_BODY_BYTES);
      // Parsed as oidc-provider parses a form body (node:querystring): URLSearchParams would drop a
      // leading '?' that oidc-provider keeps as part of the first name.
      answer = await issue(req, parseQuery(raw.toString('utf8')));
      if (!answer) {
        replayBody(req, raw);
        return provider();
      }
    } catch (err) {
      // A body too large or cut short, or a store that does not answer (503).
      const failure = deps.reportFailure(err, '/oauth2/token');
      return sendJson(res, failure.status, failure.body, failure.headers);
    }
    sendJson(res, 200, answer);
  };
}
