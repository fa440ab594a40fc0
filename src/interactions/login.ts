// POST /interaction/:uid/login. Limits (docs/security.md, "Limits"): failures per address and per
// (account, address) refuse; failures per account from anywhere only slow every attempt down,
// so a stranger who knows an email cannot lock its owner out.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { RateLimiter, Limit } from '../rate-limit/limiter.js';
import { findUserByEmail, type User } from '../users/repository.js';
import { verifyPassword } from '../users/password.js';
import { hashCredential } from '../crypto/keyring.js';
import { csrfToken } from '../http/form-guard.js';
import { PageError, type Details, type InteractionPages } from './page.js';

const LOGIN_FAILURE_WINDOW = 15 * 60;
const LOGIN_FAILURES_PER_ACCOUNT_AND_IP = 5;
const LOGIN_FAILURES_PER_IP = 30;
const ACCOUNT_FAILURES_BEFORE_SLOWDOWN = 10;
const SLOWDOWN_STEP_MS = 250;
const SLOWDOWN_MAX_MS = 3000;
const LOGIN_FAILED = 'The email or password is incorrect.';

export interface LoginDeps {
  db: Kysely<Database>;
  limiter: RateLimiter;
  csrfKey: Buffer;
  pepper: Buffer;
}

export function loginRoutes(router: Router, deps: LoginDeps, pages: InteractionPages) {
  /**
   * The account by an HMAC of its email (never the email itself) and its login generation, which
   * `keyward user unlock` and a new password raise: the counters start afresh.
   */
  const accountKey = (email: string, user: User | undefined) => `${hashCredential(deps.pepper, email.trim().toLowerCase())}:g${user?.login_generation ?? 0}`;

  const loginLimits = (ctx: Context, account: string): Limit[] => [
    { key: `login:account-ip:${account}:${ctx.ip}`, max: LOGIN_FAILURES_PER_ACCOUNT_AND_IP, windowSeconds: LOGIN_FAILURE_WINDOW },
    { key: `login:ip:${ctx.ip}`, max: LOGIN_FAILURES_PER_IP, windowSeconds: LOGIN_FAILURE_WINDOW },
  ];

  /** Failures against the account from any address: counted, never refused (a slowdown). */
  const accountFailures = (account: string): Limit => ({ key: `login:account:${account}`, max: Number.MAX_SAFE_INTEGER, windowSeconds: LOGIN_FAILURE_WINDOW });

  async function slowDown(account: string): Promise<void> {
    const failures = await deps.limiter.count(accountFailures(account));
    if (failures < ACCOUNT_FAILURES_BEFORE_SLOWDOWN) return;
    const delay = Math.min(SLOWDOWN_MAX_MS, SLOWDOWN_STEP_MS * (failures - ACCOUNT_FAILURES_BEFORE_SLOWDOWN + 1));
    await new Promise((resolve) => setTimeout(resolve, delay));
  }

  async function showLogin(ctx: Context, details: Details, extra: { error?: string; email?: string } = {}) {
    const app = await pages.appOf(details);
    await pages.render(ctx, 'login', { uid: details.uid, csrf: csrfToken(deps.csrfKey, `interaction:${details.uid}`), app, email: extra.email ?? '', error: extra.error ?? null }, details);
  }

  router.post('/login', async (ctx) => {
    const details = await pages.interaction(ctx);
    if (details.prompt.name !== 'login') throw new PageError(400, 'You are already signed in', 'Return to the application and start again.');
    const body = await pages.form(ctx, details);
    const email = (body.get('email') ?? '').slice(0, 254);
    const password = (body.get('password') ?? '').slice(0, 1024);
    // The row is read first (an indexed lookup) because its generation is part of the counters'
    // keys; the counting still comes before the password hash, the expensive part.
    const user = email ? await findUserByEmail(deps.db, email) : undefined;
    const account = accountKey(email, user);
    const limits = loginLimits(ctx, account);
    // Counted before the password is hashed, so concurrent guesses cannot all reach argon2;
    // taken back when the password is right.
    const wait = await deps.limiter.consume(limits);
    if (wait > 0) {
      ctx.set('retry-after', String(wait));
      await showLogin(ctx, details, { email, error: 'Too many failed attempts. Wait a few minutes and try again.' });
      ctx.status = 429;
      return;
    }
    await slowDown(account);
    if (!(await verifyPassword(user?.password_hash, password)) || !user) {
      await deps.limiter.consume([accountFailures(account)]);
      await showLogin(ctx, details, { email, error: LOGIN_FAILED });
      ctx.status = 401;
      return;
    }
    await deps.limiter.refund(limits);
    await pages.finish(ctx, { login: { accountId: user.id } });
  });

  return { showLogin };
}
