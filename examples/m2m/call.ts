// A machine-to-machine caller: client credentials, never handling expiry by hand.
//   KEYWARD_ISSUER=http://localhost:3000 CLIENT_ID=cli_... CLIENT_SECRET=kwcs_... \
//   API_URL=http://127.0.0.1:4000 npx tsx examples/m2m/call.ts
import { createTokenClient } from '@keyward/client';

const client = createTokenClient({
  issuer: process.env.KEYWARD_ISSUER ?? 'http://localhost:3000',
  clientId: process.env.CLIENT_ID ?? '',
  clientSecret: process.env.CLIENT_SECRET ?? '',
  scopes: ['invoices:read'],
});

const api = process.env.API_URL ?? 'http://127.0.0.1:4000';
const res = await client.fetch(`${api}/v1/invoices`);
console.log(JSON.stringify({ status: res.status, body: await res.json() }));
