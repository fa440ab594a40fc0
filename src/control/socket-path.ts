import { resolve } from 'node:path';

/** The embedded server's control socket; only the OS user owning DATA_DIR can open it. */
export function controlSocketPath(dataDir: string): string {
  return resolve(dataDir, 'keyward.sock');
}
