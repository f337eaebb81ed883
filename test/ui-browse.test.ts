/**
 * The everyday app in a real browser (Debian's Chromium) against a real `shoebox serve`, on the
 * bundled sample photos: search with suggestions, the viewer walked with the keyboard through a
 * filtered set, the timeline and map filters, the Folders view (rescan, remove), a job list opened
 * from a lane count, and no page wider than the window at 1440 × 900 and 800 × 600. Screenshots of
 * every view go to docs/screenshots/ (the README shows them).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { findRepoRoot } from './helpers/photos.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';
import { CHROMIUM, launchChromium } from './helpers/browser.js';

const root = findRepoRoot();
const shots = path.join(root, 'docs', 'screenshots');
const samplesDir = path.join(root, 'assets', 'samples');
const skip = !existsSync(CHROMIUM) ? `no chromium at ${CHROMIUM}` : false;

let serve: ServeChild | null = null;
let browser: Browser | null = null;
let page: Page;
let dataDir: string;
let facesDir: string;
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  const { width } = page.viewportSize()!;
  // JPEG: the README shows these, and a photo-heavy PNG is ten times the size.
  await page.screenshot({ path: path.join(shots, `${width}-${name}.jpg`), type: 'jpeg', quality: 80 });
}

const callApi = <T = unknown>(method: string, body: unknown): Promise<T> => serve!.call<T>(method, body);

/** Polls a condition (an API read or a DOM count) until it holds. */
async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function nav(label: string): Promise<void> {
  const views = page.getByRole('navigation', { name: 'Views' });
  if (!(await views.isVisible())) await page.getByRole('button', { name: 'Show the views' }).click();
  await views.getByRole('button', { name: label }).click();
}

const tileTitles = () => page.locator('.tile[data-photo-id]').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('title')!));
const matchCount = async () => Number(((await page.getByTestId('match-count').textContent()) ?? '').replace(/\D/g, ''));

/** Every photo finished and the engine idle. */
async function libraryIdle(expected: number): Promise<void> {
  await until(async () => {
    const status = await callApi<{ photos: Record<string, number> }>('status.get', {});
    const total = Object.values(status.photos).reduce((a, b) => a + b, 0);
    return total >= expected && (status.photos.queued ?? 0) + (status.photos.processing ?? 0) === 0;
  }, 240_000, `${expected} photos analysed`);
}

/** No page wider than the window: the document and the main area do not scroll sideways. */
async function assertFits(where: string): Promise<void> {
  // (A string: this file compiles without DOM types.)
  const widths = (await page.evaluate(`(() => {
    const content = document.querySelector('.content');
    return {
      doc: document.documentElement.scrollWidth,
      body: document.body.scrollWidth,
      content: content ? content.scrollWidth - content.clientWidth : 0,
      window: window.innerWidth,
    };
  })()`)) as { doc: number; body: number; content: number; window: number };
  assert.ok(widths.doc <= widths.window && widths.body <= widths.window, `${where}: the page is ${widths.doc}px wide in a ${widths.window}px window`);
  assert.ok(widths.content <= 1, `${where}: the main area scrolls ${widths.content}px sideways`);
}

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  if (!existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'src-renderer/vite.config.mjs'], { cwd: root, stdio: 'ignore' });
  }
  dataDir = mkdtempSync(path.join(tmpdir(), 'shoebox-browse-'));
  // A folder of our own to remove from the library (its files must stay).
  facesDir = path.join(mkdtempSync(path.join(tmpdir(), 'shoebox-browse-faces-')), 'faces');
  cpSync(path.join(root, 'test', 'fixtures', 'faces'), facesDir, { recursive: true });
  serve = await startServe(dataDir);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  page.on('dialog', (dialog) => void dialog.accept());
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await serve?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (facesDir) rmSync(path.dirname(facesDir), { recursive: true, force: true });
});

const SAMPLE_COUNT = readdirSync(samplesDir).filter((f) => !f.endsWith('.md')).length;

test('search, viewer, timeline, map, folders and job lists in a real browser', { skip, timeout: 480_000 }, async () => {
  await page.goto(serve!.openUrl);
  await page.getByTestId('view-queues').waitFor();
  await page.getByText('Nothing analysed yet').waitFor();
  await assertFits('queues, empty');
  await shot('queues-empty');

  // Add the samples through the header's field and wait for the analysis.
  await page.getByRole('textbox', { name: 'Folder or photo to analyse' }).first().fill(samplesDir);
  await page.getByRole('button', { name: 'Add folder' }).first().click();
  await page.getByTestId('ingest').waitFor();
  await libraryIdle(SAMPLE_COUNT);

  // A job list from a lane count: with the default lane paused, a new folder's jobs wait there.
  const row = page.locator('[data-testid=lanes] tr[data-lane=default]');
  await page.getByRole('button', { name: 'Pause Default' }).click();
  await row.locator('.pill-paused').waitFor();
  await callApi('library.addFolders', { paths: [facesDir] });
  const waitingCell = row.locator('td[data-state=waiting] button, td[data-state=paused] button').filter({ hasNotText: /^0$/ }).first();
  await waitingCell.waitFor({ timeout: 60_000 });
  await waitingCell.click();
  const jobs = page.getByTestId('lane-jobs');
  await jobs.locator('.job').first().waitFor({ timeout: 15_000 });
  assert.match((await jobs.textContent()) ?? '', /sample\d\.jpg/, 'the job list names the photos');
  assert.match((await jobs.locator('.job').first().textContent()) ?? '', /attempt/);
  await shot('queues-job-list');
  await page.getByRole('button', { name: 'Resume Default' }).click();
  await row.locator('.pill-paused').waitFor({ state: 'detached' });
  await libraryIdle(SAMPLE_COUNT + 3);
  await page.getByRole('button', { name: 'Close the job list' }).click();
  await page.getByTestId('throughput-chart').locator('text.axis', { hasText: 'now' }).waitFor();
  await shot('queues');

  // Library and search with suggestions.
  await nav('Library');
  await page.locator('.tile[data-state=done] img').first().waitFor({ timeout: 30_000 });
  await assertFits('library');
  await shot('library');
  const search = page.getByTestId('search');
  await search.click();
  await search.pressSequentially('nok');
  const suggestion = page.getByTestId('suggestions').getByRole('option', { name: /Nokia 8\.3 5G/ });
  await suggestion.waitFor();
  await shot('search-suggestions');
  await suggestion.click();
  await until(async () => (await tileTitles()).length === 1 && (await tileTitles())[0]!.endsWith('HMD_Nokia_8.3_5G.jpg'), 15_000, 'the search to find the Nokia photo');
  assert.equal(await matchCount(), 1);

  // "gps" is a synonym of the geotagged tag: the photos with a position (the four DSCN and the Nokia
  // among them). The viewer walks exactly that set with the keyboard.
  const expected = await callApi<{ photos: { path: string }[]; total: number }>('library.query', { q: 'gps', limit: 50 });
  assert.ok(expected.total >= 5, `${expected.total} photos found for "gps"`);
  const n = expected.total;
  await search.fill('gps');
  await search.press('Enter');
  await until(async () => (await page.getByTestId('match-count').count()) === 1 && (await matchCount()) === n, 15_000, `the ${n} GPS photos`);
  const set = await tileTitles();
  assert.deepEqual(set, expected.photos.map((p) => p.path));
  await page.locator('.tile[data-index="0"]').dblclick();
  const viewer = page.getByTestId('viewer');
  await viewer.locator('.viewer-frame img').waitFor();
  const title = viewer.getByTestId('viewer-title');
  const position = viewer.getByTestId('viewer-position');
  assert.equal(await position.textContent(), `1 of ${n}`);
  assert.equal(await title.textContent(), path.basename(set[0]!));
  await page.keyboard.press('ArrowRight');
  await position.filter({ hasText: `2 of ${n}` }).waitFor();
  assert.equal(await title.textContent(), path.basename(set[1]!));
  for (let i = 0; i < n + 2; i++) await page.keyboard.press('ArrowRight');
  await position.filter({ hasText: `${n} of ${n}` }).waitFor();
  assert.equal(await title.textContent(), path.basename(set[n - 1]!));
  await page.keyboard.press('ArrowLeft');
  await position.filter({ hasText: `${n - 1} of ${n}` }).waitFor();
  await page.keyboard.press('Home');
  await position.filter({ hasText: `1 of ${n}` }).waitFor();
  await viewer.locator('.viewer-info').getByTestId('detail-quality').waitFor();
  await assertFits('viewer');
  await shot('viewer');
  await page.keyboard.press('z');
  await viewer.getByRole('button', { name: '100 %' }).waitFor();
  await page.keyboard.press('z');
  await page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });

  // The viewer on a face: boxes as an overlay, info beside the photo (not over it).
  await search.fill('');
  await search.press('Enter');
  await page.getByRole('combobox', { name: 'Faces' }).selectOption('yes');
  await until(async () => (await tileTitles()).some((t) => t.endsWith('/faces/sample1.jpg')), 15_000, 'the faces filter');
  await page.locator('.tile[title$="/faces/sample1.jpg"]').dblclick();
  await viewer.locator('[data-testid=det-face]').first().waitFor();
  const photoBox = (await viewer.locator('.viewer-frame').boundingBox())!;
  const infoBox = (await viewer.locator('.viewer-info').boundingBox())!;
  assert.ok(photoBox.x + photoBox.width <= infoBox.x + 1, 'the info panel does not cover the photo');
  await shot('viewer-faces');
  await page.keyboard.press('f');
  await viewer.locator('[data-testid=det-face]').first().waitFor({ state: 'detached' });
  await page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });
  // The detail panel, and a tag in it filters the grid.
  await page.locator('.tile[title$="/faces/sample1.jpg"]').click();
  const detail = page.getByTestId('photo-detail');
  await detail.getByTestId('detail-tags').getByRole('button', { name: 'people', exact: true }).waitFor();
  await shot('library-detail');
  await detail.getByTestId('detail-tags').getByRole('button', { name: 'people', exact: true }).click();
  await until(async () => (await page.getByRole('textbox', { name: 'Tag' }).inputValue()) === 'people', 5_000, 'the tag filter to show "people"');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await until(async () => (await page.getByTestId('match-count').count()) === 0, 15_000, 'the filters to clear');

  // Timeline: the month of the GPS photos (October 2008) narrows the grid to them.
  await page.getByRole('radio', { name: 'Timeline' }).click();
  const bar = page.getByTestId('timeline').locator('[data-period="2008-10"]');
  await bar.waitFor();
  await shot('library-timeline');
  await bar.click();
  await until(async () => {
    const titles = await tileTitles();
    return titles.length === 4 && titles.every((t) => /DSCN00\d\d\.jpg$/.test(t));
  }, 15_000, 'the timeline to show October 2008');
  await assertFits('timeline');
  await shot('library-timeline-month');
  await page.getByRole('button', { name: 'All dates' }).click();

  // Map: the cluster of the four Italian photos filters the grid to them.
  await page.getByRole('radio', { name: 'Map' }).click();
  const cluster = page.getByTestId('map').locator('.map-cluster[data-count="4"]');
  await cluster.waitFor();
  await shot('library-map');
  await cluster.click();
  await until(async () => {
    const titles = await tileTitles();
    return titles.length === 4 && titles.every((t) => /DSCN00\d\d\.jpg$/.test(t));
  }, 15_000, 'the map cluster to filter the grid');
  await page.getByRole('button', { name: 'Whole world' }).waitFor();
  await shot('library-map-cluster');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByRole('radio', { name: 'Grid' }).click();

  // Folders: counts, rescan (nothing changed), remove from the library (the files stay).
  await nav('Folders');
  const folders = page.getByTestId('folders');
  const samplesRow = folders.locator(`li[data-path="${samplesDir}"]`);
  const facesRow = folders.locator(`li[data-path="${facesDir}"]`);
  await samplesRow.waitFor();
  await facesRow.waitFor();
  assert.match((await samplesRow.textContent()) ?? '', new RegExp(`${SAMPLE_COUNT} photos`));
  await page.getByTestId('ingest-history').locator('tbody tr').nth(1).waitFor();
  await shot('folders');
  await samplesRow.getByRole('button', { name: `Rescan ${samplesDir}` }).click();
  await page.getByText(`Nothing changed in ${samplesDir}`).waitFor({ timeout: 60_000 });
  // An excluded subfolder: a new photo in it is not analysed by the next scan.
  mkdirSync(path.join(facesDir, 'private'));
  cpSync(path.join(facesDir, 'sample2.jpg'), path.join(facesDir, 'private', 'copy.jpg'));
  await page.getByRole('textbox', { name: /never analyse/ }).fill(path.join(facesDir, 'private'));
  await page.getByRole('button', { name: 'Exclude', exact: true }).click();
  await page.getByTestId('exclusions').locator(`li[data-path="${path.join(facesDir, 'private')}"]`).waitFor();
  await facesRow.getByRole('button', { name: `Rescan ${facesDir}` }).click();
  await page.getByText(`Nothing changed in ${facesDir}`).waitFor({ timeout: 60_000 });
  assert.equal((await callApi<{ total: number }>('library.query', { limit: 1, q: 'copy' })).total, 0, 'the excluded folder was analysed');
  await facesRow.getByRole('button', { name: `Remove ${facesDir} from the library` }).click();
  await facesRow.waitFor({ state: 'detached' });
  const after = await callApi<{ total: number }>('library.query', { limit: 1 });
  assert.equal(after.total, SAMPLE_COUNT);
  assert.ok(existsSync(path.join(facesDir, 'sample1.jpg')), 'removing a folder from the library left its files alone');

  await nav('Failed');
  await shot('failed');
  await nav('Settings');
  await shot('settings');

  // Every view at 800 × 600: nothing wider than the window; the sidebar folds away.
  for (const dismiss of await page.getByRole('button', { name: 'Dismiss' }).all()) await dismiss.click({ timeout: 2000 }).catch(() => undefined); // some leave on their own meanwhile
  await page.setViewportSize({ width: 800, height: 600 });
  await page.getByRole('navigation', { name: 'Views' }).waitFor({ state: 'hidden' });
  for (const [label, name] of [['Queues', 'queues'], ['Library', 'library'], ['Folders', 'folders'], ['Failed', 'failed'], ['Settings', 'settings']] as const) {
    await nav(label);
    await page.locator('.view').first().waitFor();
    if (name === 'library') await page.locator('.tile[data-photo-id]').first().waitFor();
    await assertFits(`${name} at 800 × 600`);
    await shot(name);
  }
  await nav('Library');
  await page.locator('.tile[data-photo-id]').first().click();
  await page.getByTestId('photo-detail').locator('.preview img').waitFor();
  await assertFits('detail at 800 × 600');
  await shot('library-detail');
  await page.keyboard.press('Escape');
  await page.locator('.tile[data-index="0"]').dblclick();
  await viewer.locator('.viewer-frame img').waitFor();
  await assertFits('viewer at 800 × 600');
  await shot('viewer');
  await page.keyboard.press('Escape');
  await page.getByRole('radio', { name: 'Map' }).click();
  await page.getByTestId('map').locator('.map-cluster').first().waitFor();
  await assertFits('map at 800 × 600');
  await shot('library-map');
  await page.getByRole('radio', { name: 'Timeline' }).click();
  await page.getByTestId('timeline').waitFor();
  await assertFits('timeline at 800 × 600');
  await shot('library-timeline');
  await page.emulateMedia({ colorScheme: 'dark' });
  await nav('Queues');
  await shot('queues-dark');

  assert.deepEqual(pageErrors, [], `errors in the page: ${pageErrors.join('\n')}`);
});
