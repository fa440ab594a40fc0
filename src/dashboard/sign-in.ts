// Signing in to the dashboard is an authorization request of Keyward's own client
// (grants/dashboard-client.ts): the same login page, the same session as every consent flow.
// The code it returns is discarded, not exchanged: what the dashboard needs is the session.
// A session older than MAX_SIGN_IN_AGE signs in again (the dashboard can mint credentials).
import { createHash, randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import type { Database } from '../db/schema.js';
import { findUser } from '../users/repository.js';
import { DASHBOARD_CALLBACK_PATH, DASHBOARD_CLIENT_ID } from '../grants/dashboard-client.js';
import { hashesEqual } from '../crypto/keyring.js';
import { OAUTH_ROUTES } from '../oauth/paths.js';
import { DashboardError } from './render.js';

const STATE_COOKIE = 'kw_dashboard_state';
const STATE_TTL_MS = 10 * 60_000;
export const MAX_SIGN_IN_AGE = 12 * 3600;

export interface SignedIn {
  userId: string;
  email: string;
  /** The session's uid and its sign-in time: the dashboard's CSRF tokens are bound to both. */
  sessionUid: string;
  signedInAt: number;
}

export interface SignInDeps {
  issuer: string;
  db: Kysely<Database>;
  provider: () => Provider;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

export function signIn(deps: SignInDeps) {
  /** The person signed in, from oidc-provider's session, or undefined. */
  async function signedIn(ctx: Context): Promise<SignedIn | undefined> {
    const session = await deps.provider().Session.get(ctx);
    if (!session.accountId || !session.uid) return undefined;
    if (typeof session.loginTs !== 'number' || Date.now() / 1000 - session.loginTs > MAX_SIGN_IN_AGE) return undefined;
    const user = await findUser(deps.db, session.accountId);
    return user ? { userId: user.id, email: user.email, sessionUid: session.uid, signedInAt: session.loginTs } : undefined;
  }

  function routes(router: Router) {
    router.get('/dashboard/sign-in', (ctx) => {
      const state = randomBytes(24).toString('base64url');
      ctx.cookies.set(STATE_COOKIE, state, { signed: true, httpOnly: true, sameSite: 'lax', path: '/dashboard', maxAge: STATE_TTL_MS, overwrite: true });
      const params = new URLSearchParams({
        client_id: DASHBOARD_CLIENT_ID,
        response_type: 'code',
        redirect_uri: `${deps.issuer}${DASHBOARD_CALLBACK_PATH}`,
        scope: 'openid',
        state,
        // Required of every client; the code is never exchanged, so the verifier is not kept.
        code_challenge: sha256(randomBytes(32).toString('base64url')),
        code_challenge_method: 'S256',
        // An expired dashboard session must show the password page, not ride the old session.
        max_age: String(MAX_SIGN_IN_AGE),
      });
      ctx.redirect(`${OAUTH_ROUTES.authorization}?${params}`);
    });

    router.get(DASHBOARD_CALLBACK_PATH, async (ctx) => {
      const expected = ctx.cookies.get(STATE_COOKIE, { signed: true });
      ctx.cookies.set(STATE_COOKIE, null, { path: '/dashboard' });
      const { state, code, error } = ctx.query;
      if (!expected || typeof state !== 'string' || !hashesEqual(sha256(expected), sha256(state))) {
        throw new DashboardError(400, 'This sign-in link has expired', 'Go to the dashboard and sign in again.');
      }
      if (typeof error === 'string') throw new DashboardError(400, 'You were not signed in', 'Go to the dashboard and sign in again.');
      if (typeof code === 'string') await (await deps.provider().AuthorizationCode.find(code))?.destroy();
      ctx.redirect('/dashboard');
    });
  }

  return { signedIn, routes };
}

export type SignInFlow = ReturnType<typeof signIn>;
