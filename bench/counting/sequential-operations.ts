// The operations the counting phase repeats one after another, each checked: a request that
// does not succeed stops the bench (counts of a failing operation mean nothing).
import { loginFlow, type LoginFlowOptions } from '../login-flow.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function post(url: string, authorization: string, body: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { ...FORM, authorization }, body });
  const answer = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer;
}

/** One client-credentials token. */
export const clientCredentialsOnce = (tokenUrl: string, authorization: string, scope: string) => async () => {
  await post(tokenUrl, authorization, `grant_type=client_credentials&scope=${scope}`);
};

/** Rotations of one refresh-token chain: each call presents the token the previous one got. */
export function refreshChain(tokenUrl: string, authorization: string, first: string): () => Promise<void> {
  let current = first;
  return async () => {
    const answer = await post(tokenUrl, authorization, `grant_type=refresh_token&refresh_token=${encodeURIComponent(current)}`);
    current = String(answer.refresh_token);
  };
}

/** Introspections of the keys in turn; each must come back active. */
export function introspectRoundRobin(introspectUrl: string, authorization: string, keys: readonly string[]): () => Promise<void> {
  let next = 0;
  return async () => {
    const answer = await post(introspectUrl, authorization, `token=${keys[next++ % keys.length]}`);
    if (answer.active !== true) throw new Error(`an API key of the pool introspected as inactive: ${JSON.stringify(answer)}`);
  };
}

/** Whole sign-ins; `onRefreshToken` receives each one's refresh token. */
export const signInOnce = (options: LoginFlowOptions, onRefreshToken: (token: string) => void) => async () => {
  const result = await loginFlow(options);
  if (!result.refreshToken) throw new Error(`a sign-in failed at ${result.step} with ${result.status}`);
  onRefreshToken(result.refreshToken);
};
