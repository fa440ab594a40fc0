// A machine without Chromium hears what to install, not a Playwright stack trace.
import { describe, expect, it } from 'vitest';
import { launchChromium } from './launch.js';

describe('launching the test browser', () => {
  it('names the missing binary and how to install it', async () => {
    await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(
      'the browser tests need Chromium at /nonexistent/chromium: apt-get install chromium (Debian, Ubuntu), or set CHROMIUM_PATH to a Chromium binary',
    );
  });

  it('starts the configured Chromium', async () => {
    const browser = await launchChromium();
    try {
      expect(browser.version()).toMatch(/^\d+\./);
    } finally {
      await browser.close();
    }
  });
});
