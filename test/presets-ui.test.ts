/**
 * Issue 15 in the app (a real `shoebox serve`, real workers, chromium): the photo detail shows the
 * photo's context with its reasons and the suggested preset with its rule; the button queues the sidecar
 * write, which lands next to the photo. Screenshots at 1440×900 and 800×600 go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findRepoRoot, hasPhotos, photosDir } from './helpers/photos.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';

const CHROMIUM = process.env.SHOEBOX_CHROMIUM ?? '/usr/bin/chromium';
const root = findRepoRoot();
const artifacts = path.join(root, 'test-artifacts');
const skip = !existsSync(CHROMIUM) ? `no chromium at ${CHROMIUM}` : !hasPhotos ? 'no ../shared/photos' : false;

let serve: ServeChild | null = null;
let browser: Browser | null = null;
let page: Page;
let dataDir: string;
let photos: string;

before(async () => {
  if (skip) return;
  mkdirSync(artifacts, { recursive: true });
  if (!existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'src-renderer/vite.config.mjs'], { cwd: root, stdio: 'ignore' });
  }
  dataDir = mkdtempSync(path.join(tmpdir(), 'shoebox-presets-ui-'));
  photos = mkdtempSync(path.join(tmpdir(), 'shoebox-presets-ui-photos-'));
  copyFileSync(path.join(photosDir, 'jpg', 'gps', 'DSCN0010.jpg'), path.join(photos, 'tuscany.jpg'));
  serve = await startServe(dataDir);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' })).newPage();
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await serve?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (photos) rmSync(photos, { recursive: true, force: true });
});

test('the detail shows the context, the suggested preset and its rule; the button writes the sidecar', { skip, timeout: 240_000 }, async () => {
  await page.goto(serve!.openUrl);
  await page.getByRole('textbox', { name: 'Folder or photo to analyse' }).first().fill(photos);
  await page.getByRole('button', { name: 'Add folder' }).first().click();
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Library' }).click();
  await page.locator('.tile[data-state=done]').first().waitFor({ timeout: 180_000 });
  await page.locator('.tile[data-state=done]').first().click();
  const section = page.getByTestId('detail-preset');
  await section.getByText('Landscape').first().waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('detail-preset-rule').textContent(), 'Rule: landscape → Landscape');
  assert.match((await section.textContent()) ?? '', /golden-hour.*sun \d+\.\d° above the horizon/s);
  await section.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(artifacts, 'presets-detail-1440.png') });
  await page.setViewportSize({ width: 800, height: 600 });
  await section.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(artifacts, 'presets-detail-800.png') });

  await section.getByRole('button', { name: 'Write XMP sidecar with this preset' }).click();
  await section.getByRole('button', { name: 'Sidecar write queued' }).waitFor();
  const sidecar = path.join(photos, 'tuscany.xmp');
  const deadline = Date.now() + 60_000;
  while (!existsSync(sidecar)) {
    assert.ok(Date.now() < deadline, 'the sidecar did not appear');
    await page.waitForTimeout(200);
  }
  const tags = JSON.parse(execFileSync('exiftool', ['-xmp:all', '-json', '-G1', sidecar], { encoding: 'utf8' }))[0] as Record<string, unknown>;
  assert.equal(tags['XMP-shoebox:Preset'], 'Landscape');
});
