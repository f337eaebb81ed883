/**
 * Debian's Chromium for the UI tests, driven by playwright-core (never a downloaded browser). The path
 * is the one .ci/run installs; SHOEBOX_CHROMIUM points elsewhere.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.SHOEBOX_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}
