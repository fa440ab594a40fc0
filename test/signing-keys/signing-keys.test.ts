import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { unseal } from '../../src/crypto/seal.js';
import { createKeyring } from '../../src/crypto/keyring.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('signing keys', () => {
  it('are stored sealed: no private member in clear, and another secret cannot open them', async () => {
    const rows = await server.services.database.db.selectFrom('signing_keys').selectAll().execute();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      expect(row.private_jwk_sealed).toMatch(/^v1\./);
      expect(row.private_jwk_sealed).not.toContain('"d"');
      const opened = JSON.parse(unseal(server.services.keyring.sealingKey, row.private_jwk_sealed, row.kid)) as Record<string, unknown>;
      expect(opened.d).toEqual(expect.any(String));
      const stranger = createKeyring('another-secret-another-secret-another-secret');
      expect(() => unseal(stranger.sealingKey, row.private_jwk_sealed, row.kid)).toThrow(/KEYWARD_SECRET/);
      // Bound to its row: the sealed blob does not open under another kid.
      expect(() => unseal(server.services.keyring.sealingKey, row.private_jwk_sealed, `${row.kid}x`)).toThrow();
    }
  });

  it('are published with public members only (checklist D35)', async () => {
    const jwks = (await (await fetch(`${server.url}/oauth2/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    const algs = jwks.keys.map((k) => k.alg);
    expect(algs).toEqual(expect.arrayContaining(['ES256', 'RS256']));
    for (const key of jwks.keys) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(member);
      expect(key.kid).toEqual(expect.any(String));
    }
  });

  it('are generated once: a second start reuses them', async () => {
    const before = await server.services.database.db.selectFrom('signing_keys').select('kid').execute();
    const again = await startTestServer();
    try {
      const after = await again.services.database.db.selectFrom('signing_keys').select('kid').execute();
      expect(after.map((r) => r.kid).sort()).toEqual(before.map((r) => r.kid).sort());
    } finally {
      await again.stop();
    }
  });
});
