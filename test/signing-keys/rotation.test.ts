// Signing-key rotation without downtime: the new key is published first and signs only after
// SIGNING_KEY_PROPAGATION; tokens signed before keep verifying; a resource server that cached
// the JWKS before the new key started signing verifies new tokens.
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/oauth-flow.js';
import { runCommand } from '../../src/operator/commands.js';
import { createVerifier } from '../../packages/verify/src/index.js';

let server: TestServer;
let svc: { clientId: string; clientSecret: string };

beforeAll(async () => {
  // Embedded (its own database): rotating the shared test database's keys would pull the rug
  // from under the other test files' resource servers.
  server = await startTestServer({ external: false, env: { SIGNING_KEY_PROPAGATION: '2' } });
  svc = await server.createClient({ org: await server.createOrg(), grants: ['client_credentials'] });
});
afterAll(() => server.stop());

const token = async () =>
  String((await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(svc.clientId, svc.clientSecret) })).body.access_token);
const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid!;
const publishedKids = async () => ((await (await fetch(`${server.url}/oauth2/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);

describe('signing-key rotation', () => {
  it('publishes first, signs after the propagation delay, and keeps old tokens verifiable (checklist D35)', async () => {
    const audience = server.services.config.resources[0];
    const before = await token();
    const oldKid = kidOf(before);
    const { rotated } = (await runCommand(server.services, { name: 'signing-key.rotate' })) as { rotated: Array<{ kid: string; alg: string }> };
    const newKid = rotated.find((k) => k.alg === 'ES256')!.kid;
    await server.services.reloadSigningKeys();
    expect(await publishedKids()).toContain(newKid);
    expect(kidOf(await token())).toBe(oldKid); // published, not yet signing

    // A second resource server caches the JWKS now, before the new key signs.
    const cachedDuringPropagation = createVerifier({ issuer: server.url, audience });
    await cachedDuringPropagation.verify({ headers: { authorization: `Bearer ${before}` } });

    await new Promise((resolve) => setTimeout(resolve, 2100));
    await server.services.reloadSigningKeys();
    const after = await token();
    expect(kidOf(after)).toBe(newKid);
    expect(await publishedKids()).toContain(oldKid); // until its tokens expire

    await expect(cachedDuringPropagation.verify({ headers: { authorization: `Bearer ${after}` } })).resolves.toMatchObject({ subject: svc.clientId });
    await expect(cachedDuringPropagation.verify({ headers: { authorization: `Bearer ${before}` } })).resolves.toMatchObject({ subject: svc.clientId });
    const introspected = await postForm(server, '/oauth2/introspect', { token: before }, { authorization: basic(svc.clientId, svc.clientSecret) });
    expect(introspected.body.active).toBe(true);

    const listed = (await runCommand(server.services, { name: 'signing-key.list' })) as { data: Array<{ kid: string; state: string }> };
    expect(listed.data.find((k) => k.kid === newKid)!.state).toBe('active');
    expect(listed.data.find((k) => k.kid === oldKid)!.state).toBe('retired');
  });

  it('a resource server whose cached JWKS predates the key refetches it on the unknown kid', async () => {
    const audience = server.services.config.resources[0];
    const verifier = createVerifier({ issuer: server.url, audience, jwksCooldown: 1 });
    await verifier.verify({ headers: { authorization: `Bearer ${await token()}` } });
    await runCommand(server.services, { name: 'signing-key.rotate' });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await server.services.reloadSigningKeys();
    const fresh = await token();
    await expect(verifier.verify({ headers: { authorization: `Bearer ${fresh}` } })).resolves.toMatchObject({ subject: svc.clientId });
  });
});

describe('automatic rotation (SIGNING_KEY_ROTATION_DAYS)', () => {
  it('rotates once when the newest key is older than the period', async () => {
    const auto = await startTestServer({ external: false, env: { SIGNING_KEY_ROTATION_DAYS: '30', SIGNING_KEY_PROPAGATION: '0' } });
    try {
      const { db } = auto.services.database;
      const count = async () => (await db.selectFrom('signing_keys').select('kid').execute()).length;
      const before = await count();
      await auto.services.reloadSigningKeys();
      expect(await count()).toBe(before); // fresh keys: nothing due
      await db.updateTable('signing_keys').set({ created_at: new Date(Date.now() - 31 * 86_400_000) } as never).execute();
      await auto.services.reloadSigningKeys();
      await auto.services.reloadSigningKeys();
      expect(await count()).toBe(before * 2); // one new key per algorithm, once
    } finally {
      await auto.stop();
    }
    // An embedded server's first start (PGlite, new RSA and EC keys) on a loaded machine.
  }, 120_000);
});
