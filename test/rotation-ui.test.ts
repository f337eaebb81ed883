/**
 * Rotation corrections in Chromium against `shoebox serve` (a real engine analysing real photos), issue
 * 17: Ctrl+[ (Lightroom's key) on the selected sideways portrait turns it left; the engine re-analyses it
 * and the grid's thumbnail comes back upright with the face found; the detail's "Rotate right" button
 * turns it back. Screenshots of the detail panel with its rotate buttons at 1440×900 and 800×600.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { findRepoRoot } from './helpers/photos.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';
import { waitFor } from './helpers/engine.js';
import { CHROMIUM, closeUiTest, launchPage } from './helpers/browser.js';

const root = findRepoRoot();
const faces = path.resolve(root, '..', 'shared', 'faces');
const shots = path.join(root, 'docs', 'screenshots');
const skip = !existsSync(CHROMIUM) ? `no chromium at ${CHROMIUM}` : !existsSync(faces) ? `no ${faces}` : false;

let serve: ServeChild | null = null;
let browser: Browser | null = null;
let page: Page;
let dataDir: string;

const callApi = <T = unknown>(method: string, body: unknown): Promise<T> => serve!.call<T>(method, body);

async function shot(name: string, width: number, height: number): Promise<void> {
  await page.setViewportSize({ width, height });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, `${width}-${name}.jpg`), type: 'jpeg', quality: 80 });
}

/** The grid tile's thumbnail: its URL and the size it decoded to. */
async function tileThumb(): Promise<{ src: string; width: number; height: number } | null> {
  return page.locator('.tile[title$="/sideways.jpg"] img').evaluate((img) => {
    const i = img as unknown as { src: string; naturalWidth: number; naturalHeight: number; complete: boolean };
    return i.complete && i.naturalWidth > 0 ? { src: i.src, width: i.naturalWidth, height: i.naturalHeight } : null;
  }).catch(() => null);
}

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(path.join(tmpdir(), 'shoebox-rotation-ui-'));
  const lib = path.join(dataDir, 'library');
  mkdirSync(lib);
  // A portrait turned on its side in its pixels (no EXIF orientation): the face detector misses it.
  await sharp(path.join(faces, 'obama-2.jpg')).rotate(90).jpeg({ quality: 92 }).toFile(path.join(lib, 'sideways.jpg'));
  for (const f of ['biden-1.jpg', 'rose_leslie-1.jpg']) copyFileSync(path.join(faces, f), path.join(lib, f));
  serve = await startServe(dataDir);
  await callApi('library.addFolders', { paths: [lib] });
  await waitFor(async () => {
    const status = await callApi<{ photos: Record<string, number> }>('status.get', {});
    return (status.photos.done ?? 0) === 3;
  }, 300_000, 'the photos analysed');
  ({ browser, page } = await launchPage());
});

after(() => closeUiTest({ browser, serve, dataDir }));

test('Ctrl+[ turns the selected photo left: upright thumbnail in the grid, face found; the button turns it back', { skip }, async () => {
  await page.goto(serve!.openUrl);
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: /Library/ }).click();
  const tile = page.locator('.tile[title$="/sideways.jpg"]');
  await tile.click();
  const detail = page.getByTestId('photo-detail');
  await detail.getByRole('button', { name: 'Rotate left' }).waitFor();
  await waitFor(async () => (await tileThumb()) !== null, 30_000, 'the sideways thumbnail');
  const sideways = (await tileThumb())!;
  assert.ok(sideways.width > sideways.height, `shown sideways: ${JSON.stringify(sideways)}`);
  assert.equal(await detail.getByText(/\d+ faces?\./).count(), 0, 'no face found sideways');

  await page.locator('body').press('Control+BracketLeft');
  await page.getByText('Turned left: analysing again on the high-priority lane').waitFor();
  await waitFor(async () => {
    const now = await tileThumb();
    return now !== null && now.src !== sideways.src && now.height > now.width;
  }, 120_000, 'the upright thumbnail in the grid').catch(async (e) => {
    const list = await callApi<{ photos: unknown[] }>('photos.list', { limit: 10 });
    const html = await page.locator('.tile[title$="/sideways.jpg"]').evaluate((el) => (el as unknown as { outerHTML: string }).outerHTML).catch(String);
    await page.screenshot({ path: '/tmp/rot-ui-fail.png' });
    throw new Error(`${e}: ${JSON.stringify(list)} TILE ${html}`);
  });
  assert.match((await tileThumb())!.src, /-r270\.jpg/);
  await detail.getByText('1 face.').waitFor({ timeout: 60_000 });
  await detail.locator('.preview img').evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
  for (const dismiss of await page.getByRole('button', { name: 'Dismiss' }).all()) await dismiss.click({ timeout: 2000 }).catch(() => undefined);
  await shot('library-rotate', 1440, 900);
  await shot('library-rotate', 800, 600);
  await page.setViewportSize({ width: 1440, height: 900 });

  await detail.getByRole('button', { name: 'Rotate right' }).click();
  await waitFor(async () => {
    const now = await tileThumb();
    return now !== null && !/-r\d+\.jpg/.test(now.src) && now.width > now.height;
  }, 120_000, 'the thumbnail turned back');
  const photos = await callApi<{ photos: Array<{ id: string; path: string; thumbnail: string | null }> }>('photos.list', { limit: 10 });
  const others = photos.photos.filter((p) => !p.path.endsWith('/sideways.jpg'));
  assert.ok(others.every((p) => p.thumbnail && !/-r\d+\.jpg$/.test(p.thumbnail)), 'the other photos were not turned');
});
