// Login, organization picker and consent: the pages a user sees during /oauth2/authorize.
// oidc-provider decides which prompt is due; these routes render it and report the result.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import { errors, type InteractionResults } from 'oidc-provider';
import type { Config } from '../config/config.js';
import type { Database } from '../db/schema.js';
import type { ClientRegistry } from '../clients/registry.js';
import type { Logger } from '../lib/logger.js';
import type { ProtocolRecords } from '../grants/records.js';
import type { RateLimiter, Limit } from '../rate-limit/limiter.js';
import { findOrganization } from '../organizations/repository.js';
import { findUser, findUserByEmail, organizationsOfUser, type OrganizationOfUser } from '../users/repository.js';
import type { MemberService } from '../members/service.js';
import { openInvitationsForEmail } from '../members/invitations.js';
import { audienceKind, fitsAudience } from '../policy/audiences.js';
import { audiencesOf } from '../oauth/provider/resources.js';
import { verifyPassword } from '../users/password.js';
import { readFormBody } from '../http/form-body.js';
import { KeywardError } from '../lib/errors.js';
import { hashCredential } from '../crypto/keyring.js';
import { csrfToken, csrfValid } from './csrf.js';
import { decideScopes } from '../grants/consent-scopes.js';
import { describeScope } from './scope-text.js';
import { renderView } from '../pages/views.js';
import { interactionPageHeaders } from '../pages/page-headers.js';

export interface InteractionDeps {
  config: Config;
  db: Kysely<Database>;
  provider: () => Provider;
  registry: ClientRegistry;
  records: ProtocolRecords;
  members: MemberService;
  limiter: RateLimiter;
  csrfKey: Buffer;
  pepper: Buffer;
  logger: Logger;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

const INTERACTION_TTL = 3600;
// Login limits (docs/security.md, "Limits"): failures per address and per (account, address)
// refuse; failures per account from anywhere only slow every attempt down, so a stranger who
// knows an email cannot lock its owner out.
const LOGIN_FAILURE_WINDOW = 15 * 60;
const LOGIN_FAILURES_PER_ACCOUNT_AND_IP = 5;
const LOGIN_FAILURES_PER_IP = 30;
const ACCOUNT_FAILURES_BEFORE_SLOWDOWN = 10;
const SLOWDOWN_STEP_MS = 250;
const SLOWDOWN_MAX_MS = 3000;
const LOGIN_FAILED = 'The email or password is incorrect.';

class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(title);
  }
}

export function interactionRoutes(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  const cacheViews = deps.config.env === 'production';
  const audiences = audiencesOf(deps.config);

  async function render(ctx: Context, view: string, data: Record<string, unknown>, details?: Details) {
    interactionPageHeaders(ctx, details?.params.redirect_uri);
    ctx.type = 'html';
    ctx.body = await renderView(view, { title: 'Sign in', ...data }, cacheViews);
  }

  /** The interaction behind the cookie, which must be the one in the URL. */
  async function interaction(ctx: Context): Promise<Details> {
    let details: Details;
    try {
      details = await deps.provider().interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      if (err instanceof errors.SessionNotFound) {
        throw new PageError(400, 'This sign-in link has expired', 'Return to the application and start again.');
      }
      throw err;
    }
    if (details.uid !== ctx.params.uid) {
      throw new PageError(400, 'This sign-in link is not valid here', 'Return to the application and start again.');
    }
    return details;
  }

  /** Form posts: same-origin only, and carrying this interaction's CSRF token. */
  async function form(ctx: Context, details: Details): Promise<Map<string, string>> {
    const origin = ctx.get('origin');
    if ((origin && origin !== new URL(deps.config.issuer).origin) || ctx.get('sec-fetch-site') === 'cross-site') {
      throw new PageError(403, 'This request was refused', 'It did not come from this sign-in page.');
    }
    const body = await readFormBody(ctx.req, ctx.res);
    if (!csrfValid(deps.csrfKey, details.uid, body.get('csrf'))) {
      throw new PageError(403, 'This form has expired', 'Reload the page and try again.');
    }
    return body;
  }

  async function finish(ctx: Context, result: InteractionResults) {
    const returnTo = await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    // RFC 9700 §4.12: 303, so the browser never re-posts the form to the next hop.
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  async function appOf(details: Details) {
    const clientId = String(details.params.client_id);
    const record = await deps.registry.find(clientId);
    if (!record) throw new PageError(400, 'Unknown application', 'The application that sent you here is not registered.');
    const owner = await findOrganization(deps.db, record.organization_id);
    return { record, name: record.name, owner: owner?.name ?? '' };
  }

  /** The account by an HMAC of its email, never the email itself. */
  const accountKey = (email: string) => hashCredential(deps.pepper, email.trim().toLowerCase());

  function loginLimits(ctx: Context, email: string): Limit[] {
    return [
      { key: `login:account-ip:${accountKey(email)}:${ctx.ip}`, max: LOGIN_FAILURES_PER_ACCOUNT_AND_IP, windowSeconds: LOGIN_FAILURE_WINDOW },
      { key: `login:ip:${ctx.ip}`, max: LOGIN_FAILURES_PER_IP, windowSeconds: LOGIN_FAILURE_WINDOW },
    ];
  }

  /** Failures against the account from any address: counted, never refused (a slowdown). */
  function accountFailures(email: string): Limit {
    return { key: `login:account:${accountKey(email)}`, max: Number.MAX_SAFE_INTEGER, windowSeconds: LOGIN_FAILURE_WINDOW };
  }

  async function slowDown(email: string): Promise<void> {
    const failures = await deps.limiter.count(accountFailures(email));
    if (failures < ACCOUNT_FAILURES_BEFORE_SLOWDOWN) return;
    const delay = Math.min(SLOWDOWN_MAX_MS, SLOWDOWN_STEP_MS * (failures - ACCOUNT_FAILURES_BEFORE_SLOWDOWN + 1));
    await new Promise((resolve) => setTimeout(resolve, delay));
  }

  async function showLogin(ctx: Context, details: Details, extra: { error?: string; email?: string } = {}) {
    const app = await appOf(details);
    await render(ctx, 'login', { uid: details.uid, csrf: csrfToken(deps.csrfKey, details.uid), app, email: extra.email ?? '', error: extra.error ?? null }, details);
  }

  /** The organization picked in this interaction; a user in exactly one needs no pick unless `ask`. */
  async function chosenOrganization(details: Details, organizations: OrganizationOfUser[], ask = false) {
    if (organizations.length === 1 && !ask) return organizations[0];
    const chosen = await deps.records.chosenOrganization(details.uid);
    return organizations.find((o) => o.id === chosen);
  }

  function requestedScopes(details: Details): string[] {
    return String(details.params.scope ?? '').split(' ').filter(Boolean);
  }

  /** The audiences this authorization is for (oidc-provider stored its resolved `resource`). */
  function resourcesOf(details: Details): string[] {
    const resource = details.params.resource;
    const list = Array.isArray(resource) ? resource.map(String) : typeof resource === 'string' ? [resource] : [deps.config.resources[0]];
    return list.filter((r) => audienceKind(audiences, r) !== undefined);
  }

  /** Only scopes one of the authorization's audiences can carry are shown and granted. */
  async function consentFor(details: Details, organization: OrganizationOfUser) {
    const app = await appOf(details);
    const kinds = resourcesOf(details).map((resource) => audienceKind(audiences, resource)!);
    const decision = decideScopes({
      requested: requestedScopes(details).filter((scope) => kinds.some((kind) => fitsAudience(scope, kind))),
      clientAllowed: app.record.scope.split(' '),
      planScopes: deps.config.plans[organization.plan] ?? [],
      role: organization.role,
    });
    return { app, decision };
  }

  /** Records the consent on the grant (and the organization beside it), then resumes. */
  async function approve(ctx: Context, details: Details, organization: OrganizationOfUser) {
    const { decision } = await consentFor(details, organization);
    const accountId = details.session!.accountId;
    const clientId = String(details.params.client_id);
    const provider = deps.provider();
    const existingId = await deps.records.appGrant(accountId, clientId, organization.id);
    const grant = (existingId ? await provider.Grant.find(existingId) : undefined) ?? new provider.Grant({ accountId, clientId });
    const requested = requestedScopes(details);
    // oidc-provider counts every configured scope as an OIDC scope too; product scopes carry no
    // claims, so both lists get the same decision.
    const oidcGranted = requested.filter((s) => s === 'openid' || s === 'offline_access' || decision.granted.includes(s));
    const oidcRejected = requested.filter((s) => !oidcGranted.includes(s));
    if (oidcGranted.length) grant.addOIDCScope(oidcGranted.join(' '));
    if (oidcRejected.length) grant.rejectOIDCScope(oidcRejected.join(' '));
    // Each scope is granted for the audience of its kind, never another (policy/audiences.ts).
    for (const resource of resourcesOf(details)) {
      const kind = audienceKind(audiences, resource)!;
      const granted = decision.granted.filter((s) => fitsAudience(s, kind));
      const unavailable = decision.unavailable.filter((s) => fitsAudience(s, kind));
      if (granted.length) grant.addResourceScope(resource, granted.join(' '));
      if (unavailable.length) grant.rejectResourceScope(resource, unavailable.join(' '));
    }
    const grantId = await grant.save();
    const ttl = deps.config.refreshTokenTtl;
    await deps.records.recordGrantOrganization(grantId, organization.id, ttl);
    await deps.records.recordAppGrant(accountId, clientId, organization.id, grantId, ttl);
    await finish(ctx, { consent: { grantId } });
  }

  /** True when the chosen organization's earlier grant already covers this request. */
  async function alreadyGranted(details: Details, organization: OrganizationOfUser): Promise<boolean> {
    const grantId = await deps.records.appGrant(details.session!.accountId, String(details.params.client_id), organization.id);
    const grant = grantId ? await deps.provider().Grant.find(grantId) : undefined;
    if (!grant) return false;
    const encountered = new Set(resourcesOf(details).flatMap((resource) => grant.getResourceScopeEncountered(resource).split(' ')));
    const { decision } = await consentFor(details, organization);
    return [...decision.granted, ...decision.unavailable].every((s) => encountered.has(s));
  }

  async function showConsentStep(ctx: Context, details: Details) {
    const accountId = details.session?.accountId;
    if (!accountId) throw new PageError(400, 'This sign-in link has expired', 'Return to the application and start again.');
    const user = await findUser(deps.db, accountId);
    const [organizations, invitations] = await Promise.all([organizationsOfUser(deps.db, accountId), user ? openInvitationsForEmail(deps.db, user.email) : []]);
    const app = await appOf(details);
    const csrf = csrfToken(deps.csrfKey, details.uid);
    if (organizations.length === 0 && invitations.length === 0) {
      await render(ctx, 'no-organization', { uid: details.uid, csrf, app }, details);
      return;
    }
    // Open invitations are shown on the picker, so a user in one organization sees them too.
    const organization = ctx.query.choose === undefined ? await chosenOrganization(details, organizations, invitations.length > 0) : undefined;
    if (!organization) {
      await render(ctx, 'organizations', { uid: details.uid, csrf, app, organizations, invitations }, details);
      return;
    }
    if (await alreadyGranted(details, organization)) {
      await approve(ctx, details, organization);
      return;
    }
    const { decision } = await consentFor(details, organization);
    await render(
      ctx,
      'consent',
      {
        uid: details.uid,
        csrf,
        app,
        organization,
        canSwitch: organizations.length > 1,
        granted: decision.granted.map((scope) => ({ scope, text: describeScope(scope) })),
        unavailable: decision.unavailable.map((scope) => ({ scope, text: describeScope(scope) })),
      },
      details,
    );
  }

  router.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      let page = err;
      if (err instanceof KeywardError && err.status < 500) page = new PageError(err.status, 'This request was refused', err.description);
      if (!(page instanceof PageError)) {
        deps.logger.error({ err, path: ctx.path }, 'interaction failed');
        page = new PageError(500, 'Something went wrong', 'Return to the application and try again.');
      }
      const { status, title, detail } = page as PageError;
      await render(ctx, 'error', { title, detail });
      ctx.status = status;
    }
  });

  router.get('/', async (ctx) => {
    const details = await interaction(ctx);
    if (details.prompt.name === 'login') await showLogin(ctx, details);
    else if (details.prompt.name === 'consent') await showConsentStep(ctx, details);
    else throw new PageError(400, 'This sign-in step is not supported', 'Return to the application and start again.');
  });

  router.post('/login', async (ctx) => {
    const details = await interaction(ctx);
    if (details.prompt.name !== 'login') throw new PageError(400, 'You are already signed in', 'Return to the application and start again.');
    const body = await form(ctx, details);
    const email = (body.get('email') ?? '').slice(0, 254);
    const password = (body.get('password') ?? '').slice(0, 1024);
    const limits = loginLimits(ctx, email);
    // Counted before the password is hashed, so concurrent guesses cannot all reach argon2;
    // taken back when the password is right.
    const wait = await deps.limiter.consume(limits);
    if (wait > 0) {
      ctx.set('retry-after', String(wait));
      await showLogin(ctx, details, { email, error: 'Too many failed attempts. Wait a few minutes and try again.' });
      ctx.status = 429;
      return;
    }
    await slowDown(email);
    const user = email ? await findUserByEmail(deps.db, email) : undefined;
    if (!(await verifyPassword(user?.password_hash, password)) || !user) {
      await deps.limiter.consume([accountFailures(email)]);
      await showLogin(ctx, details, { email, error: LOGIN_FAILED });
      ctx.status = 401;
      return;
    }
    await deps.limiter.refund(limits);
    await finish(ctx, { login: { accountId: user.id } });
  });

  router.post('/organization', async (ctx) => {
    const details = await interaction(ctx);
    const body = await form(ctx, details);
    const accountId = details.session?.accountId;
    const organizations = accountId ? await organizationsOfUser(deps.db, accountId) : [];
    const chosen = organizations.find((o) => o.id === body.get('organization_id'));
    if (!chosen) throw new PageError(400, 'Choose one of your organizations', 'Go back and pick an organization from the list.');
    await deps.records.chooseOrganization(details.uid, chosen.id, INTERACTION_TTL);
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}`);
  });

  router.post('/invitation', async (ctx) => {
    const details = await interaction(ctx);
    const body = await form(ctx, details);
    const accountId = details.session?.accountId;
    if (!accountId) throw new PageError(400, 'Sign in first', 'Return to the application and start again.');
    await deps.members.accept(accountId, (body.get('invitation_id') ?? '').slice(0, 64));
    // Back to the picker, where the organization just joined is now one to choose.
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}?choose`);
  });

  router.post('/confirm', async (ctx) => {
    const details = await interaction(ctx);
    if (details.prompt.name !== 'consent') throw new PageError(400, 'Nothing to approve', 'Return to the application and start again.');
    await form(ctx, details);
    const organizations = await organizationsOfUser(deps.db, details.session!.accountId);
    const organization = await chosenOrganization(details, organizations);
    if (!organization) throw new PageError(400, 'Choose an organization first', 'Go back and pick an organization.');
    await approve(ctx, details, organization);
  });

  router.post('/abort', async (ctx) => {
    const details = await interaction(ctx);
    await form(ctx, details);
    await finish(ctx, { error: 'access_denied', error_description: 'the user denied the request' });
  });

  return router;
}
