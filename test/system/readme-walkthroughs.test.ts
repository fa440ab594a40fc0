// The README's walkthroughs, run as written: every ```sh block marked
// `<!-- walkthrough: NAME -->` is taken from README.md itself and run in bash, in order, against a
// server started as `npm start` starts one (embedded storage, the CLI through its control socket),
// so the README and the product cannot drift apart. curl fails on an HTTP error here, so a step the
// product refuses fails the walkthrough.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Every marked block, grouped by walkthrough name, in README order. */
export function walkthroughs(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of markdown.matchAll(/<!-- walkthrough: ([a-z0-9-]+) -->\n```sh\n([\s\S]*?)```/g)) {
    found.set(match[1]!, `${found.get(match[1]!) ?? ''}${match[2]!}`);
  }
  return found;
}

/** What each walkthrough's output must show at its end, beyond every step succeeding. */
const OUTCOMES: Record<string, (stdout: string) => void | Promise<void>> = {
  'first-token': (out) => expect(out).toMatch(/"access_token":"eyJ[^"]+".*"scope":"invoices:read","token_type":"Bearer"/),
  'first-run': (out) => expect(out).toMatch(/"email":"ada@acme\.test"/),
  'api-keys': (out) => {
    expect(out).toMatch(/"key":"rk_live_/);
    expect(out).toMatch(/"active":true,"token_type":"api_key","scope":"invoices:read clients:read"/);
    expect(out).toMatch(/"revoked_at":"\d{4}-/);
  },
  'third-party-app': async (out) => {
    const authorize = /^(http:\/\/127\.0\.0\.1:\d+\/oauth2\/authorize\?client_id=cli_\S+&code_challenge=[\w-]{43}&code_challenge_method=S256)$/m.exec(out)?.[1];
    expect(authorize, out).toBeDefined();
    // The address it prints starts a real authorization: to the sign-in page, not an error.
    const res = await fetch(authorize!, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/interaction\//);
  },
};

let server: ServerProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyward-readme-'));
  server = await spawnServer({ DATA_DIR: dataDir });
}, 240_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function run(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const prelude = ['set -euo pipefail', 'curl() { command curl --silent --show-error --fail-with-body "$@"; echo; }'].join('\n');
  const child = spawn('bash', ['-c', `${prelude}\n${script.replaceAll('http://localhost:3000', server.url)}`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, NODE_ENV: 'development', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe("the README's walkthroughs, as written", { timeout: 240_000 }, () => {
  const found = walkthroughs(README);

  it('marks every walkthrough the test knows, and no other', () => {
    expect([...found.keys()].sort()).toEqual(Object.keys(OUTCOMES).sort());
  });

  for (const [name, check] of Object.entries(OUTCOMES)) {
    it(`runs "${name}"`, async () => {
      const script = found.get(name);
      expect(script, `README.md has no block marked <!-- walkthrough: ${name} -->`).toBeDefined();
      const result = await run(script!);
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      await check(result.stdout);
    });
  }
});
