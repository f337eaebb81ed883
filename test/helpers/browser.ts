/**
 * Debian's Chromium for the UI tests, driven by playwright-core (never a downloaded browser). The path
 * is the one .ci/run installs; SHOEBOX_CHROMIUM points elsewhere.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.SHOEBOX_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Chromium with one page at the size of the large screenshots (1440 × 900, light scheme). */
export async function launchPage(): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' })).newPage();
  return { browser, page };
}

/** A UI test's clean-up: the browser, the `shoebox serve` it drove, the temp library. */
export async function closeUiTest(parts: { browser: Browser | null; serve: { stop(): Promise<void> } | null; dataDir: string | undefined }): Promise<void> {
  await parts.browser?.close().catch(() => undefined);
  await parts.serve?.stop();
  if (parts.dataDir) fs.rmSync(parts.dataDir, { recursive: true, force: true });
}
