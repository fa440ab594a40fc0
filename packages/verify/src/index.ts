// @keyward/verify: the resource-server kit.
export { createVerifier, type Verifier, type VerifierOptions, type Principal } from './verifier.js';
export { VerificationError, type VerificationErrorCode } from './errors.js';
export { requireScope, requireScopes, hasScope, scopeFromRequest } from './scopes.js';
export { guard, koaGuard, expressGuard, type GuardOptions } from './middleware.js';
export type { RequestLike } from './request.js';
