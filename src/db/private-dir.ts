// DATA_DIR holds the embedded database (its WAL holds refresh tokens and sessions), the
// development secret and the control socket: only Keyward's own OS user may enter it. A folder
// that already exists keeps whatever mode it had, so it is tightened to 0700 at every start,
// and start-up is refused when that does not hold.
import { chmodSync, mkdirSync, statSync } from 'node:fs';

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    throw new Error(`DATA_DIR ${dir} cannot be made private (chmod 700): ${(err as Error).message}`);
  }
  if ((statSync(dir).mode & 0o077) !== 0) throw new Error(`DATA_DIR ${dir} cannot be made private (chmod 700)`);
}
