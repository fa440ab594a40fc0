// The consent prompt: pick an organization (or accept an invitation to one), then approve the
// scopes the grant for that organization may hold (grants/consent.ts decides and records them).
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ProtocolRecords } from '../grants/records.js';
import type { Consents, ConsentRequest } from '../grants/consent.js';
import { requestedResources } from '../grants/consent.js';
import type { Audiences } from '../policy/audiences.js';
import type { Plans } from '../scopes/plans.js';
import { findUser, organizationsOfUser, type OrganizationOfUser } from '../users/repository.js';
import type { MemberService } from '../members/service.js';
import { openInvitationsForEmail } from '../members/invitations.js';
import { csrfToken } from '../http/form-guard.js';
import { DASHBOARD_CLIENT_ID } from '../grants/dashboard-client.js';
import { describeScope } from './scope-text.js';
import { expired, PageError, type Details, type InteractionPages } from './page.js';

const INTERACTION_TTL = 3600;

export interface ConsentStepDeps {
  db: Kysely<Database>;
  records: ProtocolRecords;
  consents: Consents;
  members: MemberService;
  audiences: Audiences;
  plans: Plans;
  csrfKey: Buffer;
}

export function consentRoutes(router: Router, deps: ConsentStepDeps, pages: InteractionPages) {
  /** The organization picked in this interaction; a user in exactly one needs no pick unless `ask`. */
  async function chosenOrganization(details: Details, organizations: OrganizationOfUser[], ask = false) {
    if (organizations.length === 1 && !ask) return organizations[0];
    const chosen = await deps.records.chosenOrganization(details.uid);
    return organizations.find((o) => o.id === chosen);
  }

  function consentRequest(details: Details): ConsentRequest {
    return {
      accountId: details.session!.accountId,
      clientId: String(details.params.client_id),
      scopes: String(details.params.scope ?? '').split(' ').filter(Boolean),
      resources: requestedResources(deps.audiences, details.params.resource),
    };
  }

  async function decide(details: Details, organization: OrganizationOfUser) {
    const app = await pages.appOf(details);
    const request = consentRequest(details);
    const decision = deps.consents.decide(request, app.record?.scope.split(' ') ?? [], { id: organization.id, role: organization.role, planScopes: deps.plans[organization.plan] ?? [] });
    return { app, request, decision };
  }

  async function approve(ctx: Context, details: Details, organization: OrganizationOfUser) {
    if (details.params.client_id === DASHBOARD_CLIENT_ID) return finishDashboard(ctx, details);
    const { request, decision } = await decide(details, organization);
    const grantId = await deps.consents.record(request, organization.id, decision);
    await pages.finish(ctx, { consent: { grantId } });
  }

  /** Keyward's own dashboard is never consented to for an organization (prompt=consent included). */
  async function finishDashboard(ctx: Context, details: Details) {
    await pages.finish(ctx, { consent: { grantId: await deps.consents.dashboardGrant(details.session!.accountId) } });
  }

  async function showConsentStep(ctx: Context, details: Details) {
    const accountId = details.session?.accountId;
    if (!accountId) throw expired();
    if (details.params.client_id === DASHBOARD_CLIENT_ID) return finishDashboard(ctx, details);
    const user = await findUser(deps.db, accountId);
    const [organizations, invitations] = await Promise.all([organizationsOfUser(deps.db, accountId), user ? openInvitationsForEmail(deps.db, user.email) : []]);
    const app = await pages.appOf(details);
    const csrf = csrfToken(deps.csrfKey, `interaction:${details.uid}`);
    if (organizations.length === 0 && invitations.length === 0) {
      await pages.render(ctx, 'no-organization', { uid: details.uid, csrf, app }, details);
      return;
    }
    // Open invitations are shown on the picker, so a user in one organization sees them too.
    const organization = ctx.query.choose === undefined ? await chosenOrganization(details, organizations, invitations.length > 0) : undefined;
    if (!organization) {
      await pages.render(ctx, 'organizations', { uid: details.uid, csrf, app, organizations, invitations }, details);
      return;
    }
    const { request, decision } = await decide(details, organization);
    if (await deps.consents.coveredByEarlierGrant(request, organization.id, decision)) {
      await approve(ctx, details, organization);
      return;
    }
    const scopes = (list: string[]) => list.map((scope) => ({ scope, text: describeScope(scope) }));
    await pages.render(
      ctx,
      'consent',
      { uid: details.uid, csrf, app, organization, canSwitch: organizations.length > 1, granted: scopes(decision.granted), unavailable: scopes(decision.unavailable) },
      details,
    );
  }

  router.post('/organization', async (ctx) => {
    const details = await pages.interaction(ctx);
    const body = await pages.form(ctx, details);
    const accountId = details.session?.accountId;
    const organizations = accountId ? await organizationsOfUser(deps.db, accountId) : [];
    const chosen = organizations.find((o) => o.id === body.get('organization_id'));
    if (!chosen) throw new PageError(400, 'Choose one of your organizations', 'Go back and pick an organization from the list.');
    await deps.records.chooseOrganization(details.uid, chosen.id, INTERACTION_TTL);
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}`);
  });

  router.post('/invitation', async (ctx) => {
    const details = await pages.interaction(ctx);
    const body = await pages.form(ctx, details);
    const accountId = details.session?.accountId;
    if (!accountId) throw new PageError(400, 'Sign in first', 'Return to the application and start again.');
    await deps.members.accept(accountId, (body.get('invitation_id') ?? '').slice(0, 64));
    // Back to the picker, where the organization just joined is now one to choose.
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}?choose`);
  });

  router.post('/confirm', async (ctx) => {
    const details = await pages.interaction(ctx);
    if (details.prompt.name !== 'consent') throw new PageError(400, 'Nothing to approve', 'Return to the application and start again.');
    await pages.form(ctx, details);
    const organizations = await organizationsOfUser(deps.db, details.session!.accountId);
    const organization = await chosenOrganization(details, organizations);
    if (!organization) throw new PageError(400, 'Choose an organization first', 'Go back and pick an organization.');
    await approve(ctx, details, organization);
  });

  router.post('/abort', async (ctx) => {
    const details = await pages.interaction(ctx);
    await pages.form(ctx, details);
    await pages.finish(ctx, { error: 'access_denied', error_description: 'the user denied the request' });
  });

  return { showConsentStep };
}
