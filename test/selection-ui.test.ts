/**
 * Multi-select in the Library grid (issues 15, 16) in a real browser (Debian's Chromium) against a real
 * `shoebox serve` analysing copies of the bundled samples: Ctrl- and Shift-clicks select three photos;
 * the selection bar applies a preset (three XMP sidecars land next to the copies, read back by exiftool),
 * the 2 key rates them (stored, shown on the tiles, written into the sidecars), Export… renders the three
 * into a folder; Ctrl+A selects the whole filter, Esc clears. Screenshots of the grid with a selection and
 * of the open export dialog at 1440 × 900 and 800 × 600 go to docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { findRepoRoot } from './helpers/photos.js';
import { waitFor } from './helpers/engine.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';
import { CHROMIUM, closeUiTest, launchPage } from './helpers/browser.js';

const root = findRepoRoot();
const shots = path.join(root, 'docs', 'screenshots');
const samples = path.join(root, 'assets', 'samples');
const NAMES = ['DSCN0010.jpg', 'DSCN0021.jpg', 'DSCN0029.jpg', 'DSCN0040.jpg', 'jolla.jpg'];
const skip = !existsSync(CHROMIUM) ? `no chromium at ${CHROMIUM}` : false;

let serve: ServeChild | null = null;
let browser: Browser | null = null;
let page: Page;
let dataDir: string;
let photos: string;

interface Tile {
  id: string;
  path: string;
  rating: number | null;
  label: string | null;
}

const callApi = <T = unknown>(method: string, body: unknown): Promise<T> => serve!.call<T>(method, body);

async function shot(name: string): Promise<void> {
  const { width } = page.viewportSize()!;
  await page.screenshot({ path: path.join(shots, `${width}-${name}.jpg`), type: 'jpeg', quality: 80 });
}

const tile = (index: number) => page.locator(`.tile[data-index="${index}"][data-photo-id]`);
const selectedIndexes = () =>
  page.locator('.tile[data-in-selection]').evaluateAll((tiles) => tiles.map((t) => Number(t.getAttribute('data-index'))).sort((a, b) => a - b));
const library = async () => (await callApi<{ photos: Tile[] }>('library.query', { limit: 50, sort: 'name' })).photos;
const exif = (file: string) => JSON.parse(execFileSync('exiftool', ['-xmp:all', '-json', '-G1', file], { encoding: 'utf8' }))[0] as Record<string, unknown>;

/** The selection bar sits above the grid: no visible tile starts above its bottom edge. */
async function assertBarCoversNoTile(where: string): Promise<void> {
  const bar = await page.getByTestId('selection-bar').boundingBox();
  const grid = await page.getByRole('region', { name: 'Photos' }).boundingBox();
  assert.ok(bar && grid, `${where}: the bar and the grid are on screen`);
  assert.ok(grid.y >= bar.y + bar.height - 0.5, `${where}: the grid (top ${grid.y}) starts under the bar (bottom ${bar.y + bar.height})`);
  const first = await tile(0).boundingBox();
  assert.ok(first && first.y >= bar.y + bar.height, `${where}: the first tile is below the bar`);
}

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  if (!existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'src-renderer/vite.config.mjs'], { cwd: root, stdio: 'ignore' });
  }
  dataDir = mkdtempSync(path.join(tmpdir(), 'shoebox-selection-ui-'));
  // Copies: sidecars are written next to the photos, never into assets/.
  photos = mkdtempSync(path.join(tmpdir(), 'shoebox-selection-ui-photos-'));
  for (const name of NAMES) copyFileSync(path.join(samples, name), path.join(photos, name));
  serve = await startServe(dataDir);
  ({ browser, page } = await launchPage());
});

after(async () => {
  await closeUiTest({ browser, serve, dataDir });
  if (photos) rmSync(photos, { recursive: true, force: true });
});

test('select three photos with Ctrl and Shift clicks; apply a preset, rate, export them from the selection bar', { skip, timeout: 420_000 }, async () => {
  await page.goto(serve!.openUrl);
  await callApi('library.addFolders', { paths: [photos] });
  await waitFor(async () => {
    const status = await callApi<{ photos: Record<string, number> }>('status.get', {});
    return (status.photos.done ?? 0) + (status.photos.failed ?? 0) >= NAMES.length;
  }, 300_000, 'the samples analysed');
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Library' }).click();
  await page.locator('.tile[data-state=done] img').nth(NAMES.length - 1).waitFor({ timeout: 30_000 });
  const before = await library();
  assert.deepEqual(before.map((p) => path.basename(p.path)), NAMES);

  // The bar keeps its place while nothing is selected: selecting does not move the grid.
  const gridTop = async () => (await page.getByRole('region', { name: 'Photos' }).boundingBox())!.y;
  await page.getByTestId('selection-hint').waitFor();
  const topBefore = await gridTop();

  // Ctrl-click the first, Shift-click the third: the first three. Ctrl-click a fourth in and out again.
  await tile(0).click({ modifiers: ['Control'] });
  await tile(2).click({ modifiers: ['Shift'] });
  assert.deepEqual(await selectedIndexes(), [0, 1, 2]);
  await tile(3).click({ modifiers: ['Control'] });
  assert.deepEqual(await selectedIndexes(), [0, 1, 2, 3]);
  await tile(3).click({ modifiers: ['Control'] });
  assert.deepEqual(await selectedIndexes(), [0, 1, 2]);
  assert.equal(await page.getByTestId('selection-count').textContent(), '3 selected');
  assert.equal(await gridTop(), topBefore, 'the grid did not move when the selection began');
  assert.equal(await page.locator('.tile-check:checked').count(), 3, 'a check mark on each selected tile');
  assert.equal(await page.getByTestId('photo-detail').count(), 0, 'Ctrl/Shift clicks do not open the detail');
  const chosen = before.slice(0, 3);

  await shot('library-selection');
  await assertBarCoversNoTile('1440 × 900');
  await page.setViewportSize({ width: 800, height: 600 });
  await assertBarCoversNoTile('800 × 600');
  await shot('library-selection');
  await page.setViewportSize({ width: 1440, height: 900 });

  // Apply a preset: a person's request, three sidecars next to the three copies and none for the others.
  await page.getByTestId('selection-bar').getByRole('button', { name: 'Apply preset…' }).click();
  const applyDialog = page.getByTestId('apply-preset-dialog');
  await applyDialog.getByRole('option', { name: 'Black & white' }).waitFor({ state: 'attached', timeout: 30_000 });
  await applyDialog.getByLabel('Preset to apply').selectOption({ label: 'Black & white' });
  await applyDialog.getByRole('button', { name: 'Apply to 3 photos' }).click();
  await applyDialog.waitFor({ state: 'detached' });
  const sidecars = chosen.map((p) => p.path.replace(/\.jpg$/, '.xmp'));
  await waitFor(() => sidecars.every((s) => existsSync(s)), 60_000, 'three sidecars');
  assert.deepEqual(readdirSync(photos).filter((n) => n.endsWith('.xmp')).sort(), ['DSCN0010.xmp', 'DSCN0021.xmp', 'DSCN0029.xmp']);
  for (const s of sidecars) {
    const tags = exif(s);
    assert.equal(tags['XMP-shoebox:Preset'], 'Black & white', s);
    assert.ok([true, 'True'].includes(tags['XMP-crs:ConvertToGrayscale'] as string), `${s}: ConvertToGrayscale ${String(tags['XMP-crs:ConvertToGrayscale'])}`);
  }

  // The 2 key rates the selection while the focus is in the grid.
  await tile(1).focus();
  await page.keyboard.press('2');
  await page.locator('[data-testid=tile-marks][data-rating="2"]').nth(2).waitFor({ timeout: 10_000 });
  await waitFor(async () => (await library()).slice(0, 3).every((p) => p.rating === 2), 10_000, 'ratings stored');
  assert.deepEqual((await library()).map((p) => p.rating), [2, 2, 2, null, null]);
  await waitFor(() => sidecars.every((s) => exif(s)['XMP-xmp:Rating'] === 2), 60_000, 'the rating written into the sidecars');
  assert.equal(exif(sidecars[0]!)['XMP-shoebox:Preset'], 'Black & white', 'the rating write kept the preset');

  // Export… the three into a folder.
  const target = path.join(dataDir, 'Selection export');
  await page.getByTestId('selection-bar').getByRole('button', { name: 'Export…' }).click();
  const exportDialog = page.getByTestId('export-dialog');
  await exportDialog.getByRole('option', { name: 'Black & white' }).waitFor({ state: 'attached', timeout: 30_000 });
  await exportDialog.getByLabel('Export folder').fill(target);
  await exportDialog.getByLabel('Long edge in pixels').fill('320');
  await shot('export-dialog');
  await page.setViewportSize({ width: 800, height: 600 });
  const box = await exportDialog.boundingBox();
  assert.ok(box && box.x >= 0 && box.y >= 0 && box.x + box.width <= 800 && box.y + box.height <= 600, `the dialog fits 800 × 600: ${JSON.stringify(box)}`);
  await shot('export-dialog');
  await page.setViewportSize({ width: 1440, height: 900 });
  await exportDialog.getByRole('button', { name: 'Export 3 photos' }).click();
  await exportDialog.waitFor({ state: 'detached' });
  await waitFor(() => existsSync(target) && readdirSync(target).filter((n) => n.endsWith('.jpg')).length === 3, 180_000, 'three exported files');
  assert.deepEqual(readdirSync(target).filter((n) => !n.startsWith('.')).sort(), ['DSCN0010.jpg', 'DSCN0021.jpg', 'DSCN0029.jpg']);
  for (const name of readdirSync(target).filter((n) => n.endsWith('.jpg'))) {
    const meta = await sharp(path.join(target, name)).metadata();
    assert.equal(Math.max(meta.width!, meta.height!), 320, name);
  }

  // Label and reject from the bar, on a selection of one made with the checkbox.
  await page.keyboard.press('Escape');
  await page.getByTestId('selection-hint').waitFor();
  await tile(4).hover();
  await page.getByRole('checkbox', { name: 'Select jolla.jpg' }).check();
  assert.deepEqual(await selectedIndexes(), [4]);
  await page.getByTestId('selection-bar').getByLabel('Colour label').selectOption('Green');
  await page.getByTestId('selection-bar').getByRole('button', { name: 'Reject' }).click();
  await waitFor(async () => {
    const last = (await library())[4]!;
    return last.label === 'Green' && last.rating === -1;
  }, 10_000, 'label and reject stored');

  // Ctrl+A selects the whole filter; Esc clears it.
  await tile(0).focus();
  await page.keyboard.press('Control+a');
  await page.getByTestId('selection-count').filter({ hasText: `${NAMES.length} selected` }).waitFor();
  assert.deepEqual(await selectedIndexes(), [0, 1, 2, 3, 4]);
  await page.keyboard.press('Escape');
  await page.getByTestId('selection-hint').waitFor();

  // A double-click still opens the viewer.
  await tile(1).dblclick();
  await page.getByTestId('viewer').waitFor();
});
