// The token endpoint's fast paths. oidc-provider's token pipeline (a Koa app with a dozen
// middlewares, a client rebuilt from hashed metadata on every lookup) costs more than the token
// itself, so the two grants that carry an API's traffic are answered here in their ordinary
// valid case: client_credentials (token/client-credentials.ts) and refresh_token
// (token/refresh-rotation.ts). Anything else - every other grant, every other authentication
// method, any unusual parameter or header, every refusal a grant can word before it changes
// state - is handed to oidc-provider with its body replayed byte for byte, so oidc-provider
// stays the one authority on the protocol's edges. A fast path answers 200 with the answer
// oidc-provider would have given (test/token/*-differential.test.ts compare the two), 400 for
// a refresh token that turned out spent once consumed, 503 when the stores do not answer, and
// 413 for a streamed body past oidc-provider's own limit (which oidc-provider refuses with 400).
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery, type ParsedUrlQuery } from 'node:querystring';
import { hasMediaType, readBoundedBytes } from '../http/bounded-body.js';
import type { FailureReporter } from '../http/failure.js';
import { sendJson } from '../http/direct-endpoint.js';
import { replayBody } from './body-replay.js';
import type { TokenEndpoint } from './endpoint.js';

// oidc-provider's own limit for token request bodies.
const MAX_BODY_BYTES = 56 * 1024;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3 scope-token

/** A fast path's answer; undefined hands the request to oidc-provider. */
export type FastAnswer = { status: number; body: object } | undefined;

/** One grant's fast path: `params` as oidc-provider parses the form body. */
export type FastGrant = (req: IncomingMessage, params: ParsedUrlQuery) => Promise<FastAnswer>;

/** Whether every parameter is one of `allowed`, given once (a repeated one parses as an array: oidc-provider refuses it). */
export function onlyParameters(params: ParsedUrlQuery, allowed: ReadonlySet<string>): boolean {
  for (const name in params) if (!allowed.has(name) || typeof params[name] !== 'string') return false;
  return true;
}

/**
 * The scope parameter's scopes, [] when absent; undefined when oidc-provider must read it (an
 * empty token, a character outside RFC 6749's grammar, a scope no token may carry).
 */
export function requestedScopes(params: ParsedUrlQuery, known: ReadonlySet<string>): string[] | undefined {
  const scope = params.scope as string | undefined;
  if (scope === undefined) return [];
  const scopes = scope.split(' ');
  return scopes.every((s) => SCOPE_TOKEN.test(s) && known.has(s)) ? scopes : undefined;
}

/** Requests no fast path reads: other credentials, bodies, charsets, browsers (CORS). */
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

/** The token endpoint with a fast path for each grant in `grants` (by grant_type). */
export function tokenFastPaths(grants: Readonly<Record<string, FastGrant>>, reportFailure: FailureReporter): TokenEndpoint {
  return async (req, res, provider) => {
    if (outsideFastPath(req)) return provider();
    let answer: FastAnswer;
    try {
      const raw = await readBoundedBytes(req, res, MAX_BODY_BYTES);
      // Parsed as oidc-provider parses a form body (node:querystring): URLSearchParams would drop a
      // leading '?' that oidc-provider keeps as part of the first name.
      const params = parseQuery(raw.toString('utf8'));
      const grantType = params.grant_type;
      const grant = typeof grantType === 'string' && Object.hasOwn(grants, grantType) ? grants[grantType] : undefined;
      answer = grant ? await grant(req, params) : undefined;
      if (!answer) {
        replayBody(req, raw);
        return provider();
      }
    } catch (err) {
      // A body too large or cut short, or a store that does not answer (503).
      const failure = reportFailure(err, '/oauth2/token');
      return sendJson(res, failure.status, failure.body, failure.headers);
    }
    sendJson(res, answer.status, answer.body);
  };
}
