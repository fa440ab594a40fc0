// DATA_DIR is private at every start: a folder that already existed with a wider mode is
// tightened to 0700 before the embedded database or the development secret is written into
// it, and start-up is refused when it cannot be.
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';
import { resolveSecret } from '../../src/crypto/secret-file.js';
import { ensurePrivateDir } from '../../src/db/private-dir.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A DATA_DIR that exists already, readable by every local user. */
function openFolder(): string {
  const parent = mkdtempSync(join(tmpdir(), 'keyward-perm-'));
  made.push(parent);
  const dir = join(parent, 'data');
  mkdirSync(dir, { mode: 0o755 });
  expect(statSync(dir).mode & 0o777).toBe(0o755);
  return dir;
}

describe('DATA_DIR permissions', () => {
  it('tightens an existing 0755 folder to 0700 before the embedded database opens', async () => {
    const dir = openFolder();
    const database = await connectDatabase({ databaseUrl: undefined, dataDir: dir });
    try {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      await database.close();
    }
  });

  it('tightens it before the development secret is written', () => {
    const dir = openFolder();
    resolveSecret(undefined, dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
  });

  it('refuses to start when the folder cannot be made private', () => {
    expect(() => ensurePrivateDir('/proc/self')).toThrow(/cannot be made private/);
  });
});
