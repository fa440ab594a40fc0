// A small API protected by Keyward: two routes, scopes derived from the route and method.
//   KEYWARD_ISSUER=http://localhost:3000 API_AUDIENCE=http://localhost:3000 \
//   INTROSPECTION_CLIENT_ID=cli_... INTROSPECTION_CLIENT_SECRET=kwcs_... \
//   npx tsx examples/resource-server/server.ts
import Koa from 'koa';
import { createVerifier, koaGuard } from '@keyward/verify';

const verifier = createVerifier({
  issuer: process.env.KEYWARD_ISSUER ?? 'http://localhost:3000',
  audience: process.env.API_AUDIENCE ?? 'http://localhost:3000',
  introspection: process.env.INTROSPECTION_CLIENT_ID
    ? { clientId: process.env.INTROSPECTION_CLIENT_ID, clientSecret: process.env.INTROSPECTION_CLIENT_SECRET ?? '' }
    : undefined,
});

const app = new Koa();
app.use(koaGuard(verifier, { scopes: 'route' })); // GET /v1/invoices needs invoices:read, POST needs invoices:write
app.use((ctx) => {
  const auth = ctx.state.auth as { organizationId: string; subject: string };
  if (ctx.path === '/v1/invoices' && ctx.method === 'GET') ctx.body = { organizationId: auth.organizationId, data: [] };
  else if (ctx.path === '/v1/invoices' && ctx.method === 'POST') ctx.body = { organizationId: auth.organizationId, created: true };
  else if (ctx.path === '/v1/clients' && ctx.method === 'GET') ctx.body = { organizationId: auth.organizationId, data: [] };
  else ctx.status = 404;
});

const server = app.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', () => {
  const address = server.address();
  console.log(`resource server listening on ${typeof address === 'object' && address ? address.port : ''}`);
});
