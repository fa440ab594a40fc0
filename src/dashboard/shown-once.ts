// A new key or client secret is shown once, on the page the browser is sent to after the form
// post (so a reload does not post again): kept sealed in the protocol store for a few minutes,
// for the person who made it, and destroyed the first time the page is shown.
import { randomBytes } from 'node:crypto';
import type { ProtocolStore } from '../adapters/protocol-store.js';
import { seal, unseal } from '../crypto/seal.js';

const SHOWN_ONCE_TTL = 300;

export interface ShownOnce {
  /** What it is ('api_key', 'client_secret'), for the page's wording. */
  kind: string;
  /** The object the secret belongs to (its id), and the secret. */
  id: string;
  secret: string;
  /** For an OAuth app: its client_id, shown beside the secret. */
  clientId?: string | undefined;
}

export function shownOnceSecrets(store: ProtocolStore, sealingKey: Buffer) {
  const records = store.forModel('DashboardSecret');
  return {
    /** Keeps the secret for `userId`; the handle goes in the URL of the page that shows it. */
    async keep(userId: string, secret: ShownOnce): Promise<string> {
      const handle = randomBytes(18).toString('base64url');
      await records.upsert(handle, { sealed: seal(sealingKey, JSON.stringify(secret), `dashboard:${userId}:${handle}`) }, SHOWN_ONCE_TTL);
      return handle;
    },

    /** The secret, once: undefined when shown before, expired, or someone else's. */
    async take(userId: string, handle: string): Promise<ShownOnce | undefined> {
      if (!/^[A-Za-z0-9_-]{24}$/.test(handle)) return undefined;
      const found = await records.find(handle);
      if (typeof found?.sealed !== 'string') return undefined;
      let secret: ShownOnce;
      try {
        secret = JSON.parse(unseal(sealingKey, found.sealed, `dashboard:${userId}:${handle}`)) as ShownOnce;
      } catch {
        return undefined;
      }
      // Two loads at the same instant both get this far: the store's atomic consume lets one
      // of them show the secret.
      try {
        await records.consume(handle);
      } catch {
        return undefined;
      }
      await records.destroy(handle);
      return secret;
    },
  };
}

export type ShownOnceSecrets = ReturnType<typeof shownOnceSecrets>;
