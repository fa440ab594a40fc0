// @keyward/client: the machine-to-machine token client.
export { createTokenClient, TokenEndpointError, type TokenClient, type TokenClientOptions } from './token-client.js';
export type { ClientAssertionAlgorithm, ClientAssertionKey } from './client-assertion.js';
