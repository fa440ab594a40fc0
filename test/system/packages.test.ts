// The packages as an API or a caller installs them: `npm pack` each (its prepack script builds
// it), install the tarball into an empty project (from the registry, which serves jose), and
// there, in plain Node without tsx, verify a real access token and a real API key, and get
// tokens from a live Keyward. The install must hold the package, its declared dependencies and
// nothing else, with type declarations a strict TypeScript project compiles against.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/oauth-flow.js';
import { operatorKey } from '../management/helpers.js';
import { createVerifier } from '../../packages/verify/src/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Never execFileSync: the server answering the child processes runs in this process.
const run = promisify(execFile);
const TYPESCRIPT = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const work = mkdtempSync(join(tmpdir(), 'keyward-packages-'));
let server: TestServer;
let org: string;
let audience: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.createOrg('pro');
  audience = server.services.config.resources[0]!;
});
afterAll(async () => {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Packs one workspace and installs the tarball into a fresh project; returns the project. */
async function packAndInstall(name: string): Promise<string> {
  const folder = join(work, name.replace('@keyward/', ''));
  const tarballs = join(folder, 'tarball');
  const project = join(folder, 'project');
  mkdirSync(tarballs, { recursive: true });
  mkdirSync(project);
  await run('npm', ['pack', '--workspace', name, '--pack-destination', tarballs], { cwd: ROOT });
  const [tarball] = readdirSync(tarballs);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'an-api', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(tarballs, tarball!)], { cwd: project });
  return project;
}

/** Every package in the project's node_modules, scoped ones by their full name. */
function installed(project: string): string[] {
  const modules = join(project, 'node_modules');
  return readdirSync(modules)
    .filter((entry) => !entry.startsWith('.'))
    .flatMap((entry) => (entry.startsWith('@') ? readdirSync(join(modules, entry)).map((name) => `${entry}/${name}`) : [entry]))
    .sort();
}

/** Runs an ES module in the project with plain Node and parses the JSON line it prints. */
async function runModule(project: string, source: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  writeFileSync(join(project, 'run.mjs'), source);
  const { stdout } = await run(process.execPath, ['run.mjs'], { cwd: project, env: { PATH: process.env.PATH ?? '', ...env } });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Type-checks a file against the installed declarations, as a strict NodeNext project would. */
async function typecheck(project: string, source: string): Promise<void> {
  writeFileSync(join(project, 'check.ts'), source);
  const options = ['--noEmit', '--strict', '--module', 'nodenext', '--target', 'es2023', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types')];
  await run(process.execPath, [TYPESCRIPT, ...options, 'check.ts'], { cwd: project });
}

describe('@keyward/verify, installed from its tarball', () => {
  it('holds itself and jose only, with declarations, and verifies a live token and API key in plain Node', async () => {
    const project = await packAndInstall('@keyward/verify');
    expect(installed(project)).toEqual(['@keyward/verify', 'jose']);
    expect(readdirSync(join(project, 'node_modules', '@keyward', 'verify')).sort()).toEqual(['README.md', 'dist', 'package.json']);
    expect(existsSync(join(project, 'node_modules', '@keyward', 'verify', 'dist', 'index.d.ts'))).toBe(true);
    await typecheck(project, "import { createVerifier, type Principal } from '@keyward/verify';\nconst principal: Principal = await createVerifier({ issuer: 'https://a.example', audience: 'https://b.example/' }).verify({ headers: {} });\nexport const organization: string = principal.organizationId;\n");

    const svc = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read' });
    const rs = await server.createClient({ org, grants: ['client_credentials'], introspect: true });
    const token = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(svc.clientId, svc.clientSecret) });
    const key = await operatorKey(server, org, ['clients:read']);
    const result = await runModule(
      project,
      `import { createVerifier } from '@keyward/verify';
const { ISSUER, AUDIENCE, CLIENT_ID, CLIENT_SECRET, TOKEN, API_KEY } = process.env;
const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } });
const jwt = await verifier.verify({ headers: { authorization: 'Bearer ' + TOKEN } });
const apiKey = await verifier.verify({ headers: { 'x-api-key': API_KEY } });
const forged = await verifier.verifyCredential(TOKEN.slice(0, -4) + 'AAAA').catch((err) => err.error);
console.log(JSON.stringify({ jwt, apiKey, forged }));
`,
      { ISSUER: server.url, AUDIENCE: audience, CLIENT_ID: rs.clientId, CLIENT_SECRET: rs.clientSecret, TOKEN: String(token.body.access_token), API_KEY: key.key },
    );
    expect(result).toEqual({
      jwt: { subject: svc.clientId, organizationId: org, scopes: ['invoices:read'], credential: 'jwt', clientId: svc.clientId },
      apiKey: { subject: org, organizationId: org, scopes: ['clients:read'], credential: 'api_key', keyId: key.id },
      forged: 'invalid_token',
    });
  }, 180_000);
});

describe('@keyward/client, installed from its tarball', () => {
  it('holds itself only, with declarations, and gets live tokens in plain Node with a secret and with private_key_jwt', async () => {
    const project = await packAndInstall('@keyward/client');
    expect(installed(project)).toEqual(['@keyward/client']);
    expect(readdirSync(join(project, 'node_modules', '@keyward', 'client')).sort()).toEqual(['README.md', 'dist', 'package.json']);
    expect(existsSync(join(project, 'node_modules', '@keyward', 'client', 'dist', 'index.d.ts'))).toBe(true);
    await typecheck(project, "import { createTokenClient, TokenEndpointError } from '@keyward/client';\nconst client = createTokenClient({ issuer: 'https://a.example', clientId: 'c', clientSecret: 's' });\nexport const token: Promise<string> = client.getToken();\nexport const refused: string = new TokenEndpointError('invalid_client', 'no', 401).error;\n");

    const svc = await server.createClient({ org, grants: ['client_credentials'], scope: 'invoices:read' });
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
    const keyed = await server.createClient({ org, grants: ['client_credentials'], authMethod: 'private_key_jwt', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' }] } });
    const result = await runModule(
      project,
      `import { createTokenClient } from '@keyward/client';
const { ISSUER, CLIENT_ID, CLIENT_SECRET, KEYED_CLIENT_ID, PRIVATE_JWK } = process.env;
const withSecret = createTokenClient({ issuer: ISSUER, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['invoices:read'] });
const withKey = createTokenClient({ issuer: ISSUER, clientId: KEYED_CLIENT_ID, privateKey: { key: JSON.parse(PRIVATE_JWK), alg: 'EdDSA', kid: 'k1' } });
const wrong = createTokenClient({ issuer: ISSUER, clientId: CLIENT_ID, clientSecret: 'wrong' });
const refused = await wrong.getToken().catch((err) => err.error);
console.log(JSON.stringify({ secretToken: await withSecret.getToken(), keyToken: await withKey.getToken(), refused }));
`,
      { ISSUER: server.url, CLIENT_ID: svc.clientId, CLIENT_SECRET: svc.clientSecret, KEYED_CLIENT_ID: keyed.clientId, PRIVATE_JWK: JSON.stringify(await exportJWK(privateKey)) },
    );
    expect(result.refused).toBe('invalid_client');
    const verifier = createVerifier({ issuer: server.url, audience });
    await expect(verifier.verifyCredential(String(result.secretToken))).resolves.toMatchObject({ clientId: svc.clientId, organizationId: org, scopes: ['invoices:read'] });
    await expect(verifier.verifyCredential(String(result.keyToken))).resolves.toMatchObject({ clientId: keyed.clientId, organizationId: org });
  }, 180_000);
});
