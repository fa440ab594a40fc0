// Signing keys: rotate now, list with their state.
import { listSigningKeys, rotateSigningKeys } from '../signing-keys/repository.js';
import { signingAlgs } from '../signing-keys/generate.js';
import type { Handlers } from './commands.js';

export const signingKeyCommands: Handlers<'signing-key.rotate' | 'signing-key.list'> = {
  'signing-key.rotate': async (services) => {
    const rotated = await rotateSigningKeys(services.database.db, services.keyring.sealingKey, signingAlgs(services.config.accessTokenAlg), services.config.signingKeyPropagation);
    return { rotated: rotated.map((k) => ({ kid: k.kid, alg: k.alg, signs_from: k.activeFrom.toISOString() })) };
  },
  'signing-key.list': async (services) => {
    const now = Date.now();
    const keys = await listSigningKeys(services.database.db);
    return {
      data: keys.map((k) => ({
        kid: k.kid,
        alg: k.alg,
        state: k.active_from.getTime() > now ? 'pending' : k.retired_at && k.retired_at.getTime() <= now ? 'retired' : 'active',
        signs_from: k.active_from.toISOString(),
        retired_at: k.retired_at?.toISOString() ?? null,
      })),
    };
  },
};
