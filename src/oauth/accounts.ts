// oidc-provider's findAccount. Until users land (the consent issue), an account is its id.
import type { FindAccount } from 'oidc-provider';

export const findAccount: FindAccount = (_ctx, sub) => ({
  accountId: sub,
  claims: () => ({ sub }),
});
