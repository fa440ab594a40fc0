// The browser every page test drives: Debian's Chromium through playwright-core, never a
// downloaded one. CHROMIUM_PATH points elsewhere (another distribution, a local build).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

// Without the networking flags Chromium keeps dialling Google's hosts, which a closed network
// refuses many times a second.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(path = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM): Promise<Browser> {
  if (!existsSync(path)) {
    throw new Error(`the browser tests need Chromium at ${path}: apt-get install chromium (Debian, Ubuntu), or set CHROMIUM_PATH to a Chromium binary`);
  }
  return chromium.launch({ executablePath: path, args: FLAGS });
}
