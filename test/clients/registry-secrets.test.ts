// Client secrets at the registry (src/clients/registry.ts), on a real Postgres: the current
// secret, the previous one during its grace period and never after, the memo of the last
// matched secret (it spares the keyed hash on a repeat: bench/compare-builds.ts measures that),
// which never accepts anything else, and no stale record cached by a read a change overtook.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { createClient, rotateClientSecret } from '../../src/clients/repository.js';
import { ClientRegistry } from '../../src/clients/registry.js';
import { changeLastCharacter } from '../helpers/tamper.js';
import { registryDatabase } from '../helpers/registry-database.js';

const pepper = randomBytes(32);
const database = registryDatabase('registry secrets');

async function newClient() {
  const input = { organizationId: database.organizationId, name: 'svc', grantTypes: ['client_credentials'], redirectUris: [], scope: 'invoices:read', isPublic: false, canIntrospect: false };
  const { client, secret } = await createClient(database.handle.db, pepper, ['invoices:read'], input);
  return { id: client.client_id, secret: secret! };
}

/** The database, with every answer held back while `held` is set, until released. */
function gated(db: Kysely<Database>) {
  const gate = { hold: false, waiting: [] as Array<() => void> };
  const view = db.withPlugin({
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      if (gate.hold) await new Promise<void>((release) => gate.waiting.push(release));
      return args.result;
    },
  });
  const release = () => {
    gate.hold = false;
    for (const go of gate.waiting.splice(0)) go();
  };
  return { db: view, gate, release };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('client secrets at the registry', () => {
  it('accepts a matched secret again, and nothing else, however often it was matched', async () => {
    const client = await newClient();
    const registry = new ClientRegistry(database.handle.db, pepper);
    for (let i = 0; i < 3; i++) expect(await registry.secretMatches(client.id, client.secret)).toBe(true);
    for (const wrong of [changeLastCharacter(client.secret), client.secret.slice(0, -1), `${client.secret}x`, '', client.secret.toUpperCase()]) {
      expect(await registry.secretMatches(client.id, wrong)).toBe(false);
    }
    expect(await registry.secretMatches(client.id, client.secret)).toBe(true);
  });

  it('does not let one client pass with the secret another client matched', async () => {
    const [one, two] = [await newClient(), await newClient()];
    const registry = new ClientRegistry(database.handle.db, pepper);
    expect(await registry.secretMatches(one.id, one.secret)).toBe(true);
    expect(await registry.secretMatches(two.id, one.secret)).toBe(false);
    expect(await registry.secretMatches('cli_unknown', one.secret)).toBe(false);
  });

  it('forgets a matched secret when the client is rotated (and the change reaches the registry)', async () => {
    const client = await newClient();
    const registry = new ClientRegistry(database.handle.db, pepper);
    expect(await registry.secretMatches(client.id, client.secret)).toBe(true);
    const rotated = await rotateClientSecret(database.handle.db, pepper, client.id, 0);
    registry.invalidate(client.id);
    expect(await registry.secretMatches(client.id, client.secret)).toBe(false);
    expect(await registry.secretMatches(client.id, rotated.secret)).toBe(true);
  });

  it('accepts the previous secret during its grace period only, never from the memo', async () => {
    const client = await newClient();
    const registry = new ClientRegistry(database.handle.db, pepper);
    const rotated = await rotateClientSecret(database.handle.db, pepper, client.id, 1);
    registry.invalidate(client.id);
    expect(await registry.secretMatches(client.id, client.secret)).toBe(true);
    expect(await registry.secretMatches(client.id, client.secret)).toBe(true);
    const record = await registry.find(client.id);
    const endsIn = record!.previous_secret_expires_at!.getTime() - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, endsIn) + 50));
    // The same cached record: only the grace period's end has changed.
    expect(await registry.find(client.id)).toBe(record);
    expect(await registry.secretMatches(client.id, client.secret)).toBe(false);
    expect(await registry.secretMatches(client.id, rotated.secret)).toBe(true);
  });

  it('does not cache a read that was in flight when the client was rotated (found by a red-team review)', async () => {
    const client = await newClient();
    const { db, gate, release } = gated(database.handle.db);
    const registry = new ClientRegistry(db, pepper);
    gate.hold = true;
    const reading = registry.find(client.id);
    await until(() => gate.waiting.length === 1);
    const rotated = await rotateClientSecret(database.handle.db, pepper, client.id, 0);
    registry.invalidate(client.id);
    release();
    expect((await reading)?.client_id).toBe(client.id); // the caller already waiting still gets its answer
    expect(await registry.secretMatches(client.id, client.secret)).toBe(false);
    expect(await registry.secretMatches(client.id, rotated.secret)).toBe(true);
  });
});
