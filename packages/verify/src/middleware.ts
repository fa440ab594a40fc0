// Framework adapters: a few lines each around verify() and requireScopes().
import { VerificationError } from './errors.js';
import type { RequestLike } from './request.js';
import { requireScopes, scopeFromRequest } from './scopes.js';
import type { Principal, Verifier } from './verifier.js';

export interface GuardOptions {
  /** Scopes required; or 'route' to derive one from the path and method (see scopeFromRequest). */
  scopes?: readonly string[] | 'route';
  /** Path prefix stripped before the resource name when scopes is 'route' (default /v1). */
  prefix?: string;
}

/** The plain form: `(request) => Promise<Principal>`, throwing a VerificationError. */
export function guard(verifier: Verifier, options: GuardOptions = {}) {
  return async (request: RequestLike): Promise<Principal> => {
    const principal = await verifier.verify(request);
    const required = options.scopes === 'route' ? [scopeFromRequest(request.method ?? 'GET', request.url ?? '/', { prefix: options.prefix })] : (options.scopes ?? []);
    requireScopes(principal, required);
    return principal;
  };
}

function answer(err: unknown): { status: number; headers: Record<string, string>; body: object } {
  const error = err instanceof VerificationError ? err : new VerificationError('temporarily_unavailable', 'verification failed');
  return {
    status: error.status,
    headers: { 'cache-control': 'no-store', ...(error.wwwAuthenticate ? { 'www-authenticate': error.wwwAuthenticate } : {}) },
    body: error.toJSON(),
  };
}

interface KoaLikeContext {
  method: string;
  /** The path with its query string (which the verifier checks for credentials). */
  url: string;
  ip: string;
  headers: Record<string, string | string[] | undefined>;
  state: Record<string, unknown>;
  status: number;
  body: unknown;
  set(headers: Record<string, string>): void;
}

/** Koa: sets ctx.state.auth, or answers 401/403/503 itself. */
export function koaGuard(verifier: Verifier, options: GuardOptions = {}) {
  const check = guard(verifier, options);
  return async (ctx: KoaLikeContext, next: () => Promise<unknown>) => {
    try {
      ctx.state.auth = await check({ headers: ctx.headers, method: ctx.method, url: ctx.url, ip: ctx.ip });
    } catch (err) {
      const { status, headers, body } = answer(err);
      ctx.status = status;
      ctx.set(headers);
      ctx.body = body;
      return;
    }
    await next();
  };
}

interface ExpressLikeRequest {
  method: string;
  /** The path with its query string (which the verifier checks for credentials). */
  originalUrl: string;
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
  auth?: Principal;
}
interface ExpressLikeResponse {
  status(code: number): ExpressLikeResponse;
  set(headers: Record<string, string>): ExpressLikeResponse;
  json(body: object): unknown;
}

/** Express: sets req.auth, or answers 401/403/503 itself. */
export function expressGuard(verifier: Verifier, options: GuardOptions = {}) {
  const check = guard(verifier, options);
  return (req: ExpressLikeRequest, res: ExpressLikeResponse, next: (err?: unknown) => void) => {
    check({ headers: req.headers, method: req.method, url: req.originalUrl, ip: req.ip }).then(
      (principal) => {
        req.auth = principal;
        next();
      },
      (err: unknown) => {
        const { status, headers, body } = answer(err);
        res.status(status).set(headers).json(body);
      },
    );
  };
}
