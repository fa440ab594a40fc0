// The dashboard's members and audit-log pages in a real browser: invite and withdraw, change a
// role, remove (each confirmed where it cannot be undone), and read the log a page at a time.
// Each change is checked where it matters: in the other person's own dashboard session, and
// for removal at the token endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { basic, codeExchange, postForm, type TestUser } from '../../helpers/oauth-flow.js';
import { recordAudit } from '../../../src/audit/record.js';
import { introspection, openDashboard, screenshot, type Dashboard } from './dashboard-helpers.js';

let server: TestServer;
let dash: Dashboard;
let org: string;
let audited: string;
let admin: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg('pro');
  // The audit log's own organization, where nothing else happens.
  audited = await server.createOrg('pro');
  admin = await server.createUser([{ org, role: 'admin' }, { org: audited, role: 'admin' }]);
  dash = await openDashboard(server);
});
afterAll(async () => {
  await dash?.close();
  await server.stop();
});

const membersPage = (o = org) => `${server.url}/dashboard/${o}/members`;
const memberRow = (page: Page, email: string) => page.locator('tbody tr', { hasText: email });

// A browser beside other suites on two cores: steps take seconds, not milliseconds.
describe('members on the dashboard', { timeout: 120_000 }, () => {
  it('invites an address, lists the invitation, and withdraws it after a confirm page', async () => {
    const invitee = await server.createUser([]);
    const { page, blocked } = await dash.signedIn(admin);
    await page.click(`a[href="/dashboard/${org}/members"]`);
    await page.fill('#invite-email', invitee.email.toUpperCase());
    await page.selectOption('#invite-role', 'admin');
    await page.click('text=Send invitation');
    await page.waitForURL(membersPage());
    const cells = await memberRow(page, invitee.email).locator('td').allTextContents();
    expect(cells.slice(0, 3)).toEqual([invitee.email, 'admin', expect.stringMatching(/^invited until \d{4}-\d{2}-\d{2}$/)]);
    await screenshot(page, 'dashboard-members.png');

    // The invitee sees it on their home; withdrawn meanwhile, their Join is refused.
    const theirs = await dash.signedIn(invitee);
    await theirs.page.waitForSelector('button:has-text("Join Test Org")');
    await memberRow(page, invitee.email).locator('a', { hasText: 'Withdraw' }).click();
    await page.waitForSelector(`h1:has-text("Withdraw the invitation to ${invitee.email}?")`);
    await page.click('button:has-text("Withdraw invitation")');
    await page.waitForURL(membersPage());
    expect(await memberRow(page, invitee.email).count()).toBe(0);
    const [refused] = await Promise.all([theirs.page.waitForResponse((r) => r.request().method() === 'POST'), theirs.page.click('button:has-text("Join Test Org")')]);
    expect(refused.status()).toBe(404);
    await theirs.page.goto(`${server.url}/dashboard`);
    await theirs.page.waitForSelector('text=You are not in any organization yet');
    expect(blocked).toEqual([]);
    await theirs.page.close();
    await page.close();
  });

  it('changes a role: a member made admin manages keys at once, and made member again no longer does', async () => {
    const colleague = await server.createUser([{ org, role: 'member' }]);
    const [{ page }, theirs] = await Promise.all([dash.signedIn(admin), dash.signedIn(colleague)]);
    const keys = `${server.url}/dashboard/${org}/api-keys`;
    await theirs.page.goto(keys);
    await theirs.page.waitForSelector('text=Only the admins of');

    await page.goto(membersPage());
    expect(await memberRow(page, admin.email).locator('button').count()).toBe(0); // not one's own
    await memberRow(page, colleague.email).locator('button', { hasText: 'Make admin' }).click();
    await page.waitForURL(membersPage());
    await expect(memberRow(page, colleague.email).locator('td').nth(1).textContent()).resolves.toBe('admin');
    await theirs.page.reload();
    expect(await theirs.page.locator('#key-name').isVisible()).toBe(true);

    await memberRow(page, colleague.email).locator('button', { hasText: 'Make member' }).click();
    await page.waitForURL(membersPage());
    await expect(memberRow(page, colleague.email).locator('td').nth(1).textContent()).resolves.toBe('member');
    await theirs.page.reload();
    await theirs.page.waitForSelector('text=Only the admins of');
    await theirs.page.close();
    await page.close();
  });

  it('removes a member once confirmed: the organization leaves their dashboard, and their app stops', async () => {
    const vendor = await server.createOrg('pro');
    const app = await server.createClient({ org: vendor, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'], scope: 'invoices:read' });
    const leaving = await server.createUser([{ org, role: 'member' }]);
    const { token } = await codeExchange(server, app, { redirectUri: 'https://app.example/cb', scope: 'invoices:read', user: leaving });
    expect(token.status).toBe(200);
    const theirs = await dash.signedIn(leaving);
    await theirs.page.waitForSelector(`a[href="/dashboard/${org}/api-keys"]`);

    const { page } = await dash.signedIn(admin);
    await page.goto(membersPage());
    await memberRow(page, leaving.email).locator('a', { hasText: 'Remove' }).click();
    await page.waitForSelector(`h1:has-text("Remove ${leaving.email}?")`);
    await page.click('text=Cancel');
    await page.waitForURL(membersPage());
    await memberRow(page, leaving.email).locator('a', { hasText: 'Remove' }).click();
    await page.click('button:has-text("Remove member")');
    await page.waitForURL(membersPage());
    expect(await memberRow(page, leaving.email).count()).toBe(0);

    await theirs.page.reload();
    await theirs.page.waitForSelector('text=You are not in any organization yet');
    expect(await theirs.page.locator(`a[href^="/dashboard/${org}/"]`).count()).toBe(0);
    const gone = await theirs.page.goto(`${server.url}/dashboard/${org}/api-keys`);
    expect(gone?.status()).toBe(404);
    const refresh = await postForm(server, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: String(token.body.refresh_token) }, { authorization: basic(app.clientId, app.clientSecret) });
    expect(refresh.body.error).toBe('invalid_grant');
    const rs = await server.createClient({ org: vendor, grants: ['client_credentials'], introspect: true });
    expect(await introspection(server, rs)(String(token.body.access_token))).toEqual({ active: false });
    await theirs.page.close();
    await page.close();
  });

  it('shows a member neither the members nor the audit log', async () => {
    const member = await server.createUser([{ org, role: 'member' }]);
    const { page } = await dash.signedIn(member);
    await page.goto(membersPage());
    await page.waitForSelector('text=manage its members');
    expect(await page.locator('#invite-email').count()).toBe(0);
    await page.goto(`${server.url}/dashboard/${org}/audit`);
    await page.waitForSelector('text=read its audit log');
    expect(await page.locator('tbody tr').count()).toBe(0);
    await page.close();
  });
});

// A browser beside other suites on two cores: steps take seconds, not milliseconds.
describe('the audit log on the dashboard', { timeout: 120_000 }, () => {
  const logPage = (query = '') => `${server.url}/dashboard/${audited}/audit${query}`;
  /** The rows shown: [action, target] each. */
  const shownEvents = async (page: Page) => {
    const [actions, targets] = await Promise.all([page.locator('tbody td:nth-child(2)').allTextContents(), page.locator('tbody td:nth-child(4)').allTextContents()]);
    return actions.map((action, i) => [action, targets[i]!] as const);
  };

  beforeAll(async () => {
    // Thirty-eight more events, cheaply, oldest first: 30 of keys, 5 of members, 3 of apps.
    const families = [...Array.from({ length: 30 }, () => 'api_key.created'), ...Array.from({ length: 5 }, () => 'member.invited'), ...Array.from({ length: 3 }, () => 'oauth_client.created')];
    for (const [n, action] of families.entries()) {
      await recordAudit(server.services.database.db, { organizationId: audited, actor: 'usr_fixture', action, target: `t-${n}` });
    }
  });

  it('lists what the dashboard did, newest first, and pages back with "Older events"', async () => {
    const { page } = await dash.signedIn(admin);
    await page.goto(`${server.url}/dashboard/${audited}/api-keys`);
    await page.fill('#key-name', 'Audited key');
    await page.click('text=Create key');
    await page.waitForURL(/\/shown\//);
    await page.click('a[href$="/api-keys"]:has-text("Done")');
    await page.click(`a[href="/dashboard/${audited}/audit"]`);
    const first = await shownEvents(page);
    expect(first).toHaveLength(25);
    expect(first[0]![0]).toBe('api_key.created');
    expect(await page.locator('tbody tr').first().textContent()).toContain(admin.id);
    expect(first.slice(1).map(([, target]) => target)).toEqual(Array.from({ length: 24 }, (_, i) => `t-${37 - i}`));
    await screenshot(page, 'dashboard-audit.png');

    await page.click('text=Older events');
    const second = await shownEvents(page);
    // Ending with the oldest: the admin added to the organization (server.createUser).
    expect(second.map(([, target]) => target)).toEqual([...Array.from({ length: 14 }, (_, i) => `t-${13 - i}`), admin.id]);
    expect(await page.locator('text=Older events').count()).toBe(0);
    await page.close();
  });

  it('filters by family, and keeps the filter on older pages', async () => {
    const { page } = await dash.signedIn(admin);
    await page.goto(logPage());
    await page.selectOption('#audit-action', 'member.');
    await page.click('button:has-text("Filter")');
    await page.waitForURL(logPage('?action=member.'));
    expect((await shownEvents(page)).map(([action]) => action)).toEqual([...Array.from({ length: 5 }, () => 'member.invited'), 'member.added']);
    expect(await page.inputValue('#audit-action')).toBe('member.');

    await page.selectOption('#audit-action', 'api_key.');
    await page.click('button:has-text("Filter")');
    const keys = await shownEvents(page);
    expect(keys).toHaveLength(25);
    await page.click('text=Older events');
    expect(new URL(page.url()).searchParams.get('action')).toBe('api_key.');
    const older = await shownEvents(page);
    expect(older.every(([action]) => action.startsWith('api_key.'))).toBe(true);
    const recorded = await server.services.database.db.selectFrom('audit_events').select('id').where('organization_id', '=', audited).where('action', 'like', 'api_key.%').execute();
    expect(keys.length + older.length).toBe(recorded.length);
    expect(new Set([...keys, ...older].map(([, target]) => target)).size).toBe(keys.length + older.length);

    await page.selectOption('#audit-action', 'oauth_grant.');
    await page.click('button:has-text("Filter")');
    await page.waitForSelector('text=Nothing recorded of this kind yet.');
    // An unknown family is ignored, not passed on: everything is shown.
    await page.goto(logPage(`?action=${encodeURIComponent("api_key.' or 1=1")}`));
    expect(await shownEvents(page)).toHaveLength(25);
    expect(await page.inputValue('#audit-action')).toBe('');
    await page.close();
  });
});
