import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { findRepoRoot, hasPhotos, photosDir } from './helpers/photos.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';
import { waitFor } from './helpers/engine.js';
import { openStore } from '../src-core/store/open-store.js';
import { libraryPaths } from '../src-core/paths.js';
import { CHROMIUM, launchChromium } from './helpers/browser.js';

const root = findRepoRoot();
const artifacts = path.join(root, 'test-artifacts');
const facesDir = path.join(root, 'test', 'fixtures', 'faces');
const skip = !existsSync(CHROMIUM) ? `no chromium at ${CHROMIUM}` : !hasPhotos ? 'no ../shared/photos' : false;

let serve: ServeChild | null = null;
let browser: Browser | null = null;
let page: Page;
let dataDir: string;
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

/** A call to the API from the test itself, with the token (as a script would). */
const callApi = <T = unknown>(method: string, body: unknown): Promise<T> => serve!.call<T>(method, body);

async function nav(label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: label }).click();
}

before(async () => {
  if (skip) return;
  mkdirSync(artifacts, { recursive: true });
  // The server serves the built renderer; build it when this runs from source without `npm run build`.
  if (!existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'src-renderer/vite.config.mjs'], { cwd: root, stdio: 'ignore' });
  }
  dataDir = mkdtempSync(path.join(tmpdir(), 'shoebox-e2e-'));
  serve = await startServe(dataDir);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, colorScheme: 'light' });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await serve?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('serve prints the URL first and records it in engine.json', { skip }, () => {
  assert.match(serve!.openUrl, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{20,}$/);
  const engineFile = JSON.parse(readFileSync(path.join(dataDir, 'engine.json'), 'utf8')) as { http: { url: string; token: string } };
  assert.equal(engineFile.http.token, serve!.token);
  assert.equal(engineFile.http.url, `${serve!.base}/`);
});

test('the UI drives a real engine: add a folder, watch it, inspect, retry, pause', { skip, timeout: 480_000 }, async () => {
  await page.goto(serve!.openUrl);
  // The token leaves the address bar once the page has it.
  await page.waitForFunction("!location.search.includes('token=')");
  await page.getByTestId('view-queues').waitFor();
  await page.getByText('Nothing analysed yet').waitFor();
  await page.locator('[data-testid=worker]').first().waitFor();
  await shot('01-queues-empty');

  // Add the shared photo folder through the browser fallback (a path field).
  await page.getByRole('textbox', { name: 'Folder or photo to analyse' }).first().fill(photosDir);
  await page.getByRole('button', { name: 'Add folder' }).first().click();
  await page.getByTestId('ingest').waitFor();
  // And the face fixtures, so the detail has faces to draw.
  await page.getByRole('textbox', { name: 'Folder or photo to analyse' }).first().fill(facesDir);
  await page.getByRole('button', { name: 'Add folder' }).first().click();
  await page.getByText(`Analysing ${facesDir}`).waitFor();

  // Lane counts move while the ingest runs: some lane shows waiting or active jobs.
  const sawWork = await page
    .waitForFunction(
      `[...document.querySelectorAll('[data-testid=lanes] td[data-state=waiting], [data-testid=lanes] td[data-state=active]')].some((td) => Number(td.textContent.replace(/\\D/g, '')) > 0)`,
      undefined,
      { timeout: 60_000, polling: 100 },
    )
    .then(() => true)
    .catch(() => false);
  assert.ok(sawWork, 'lane counts never showed waiting or active jobs');
  await shot('02-queues-running');

  // Library: tiles appear and progress to done (watch the states the tiles go through).
  await nav('Library');
  await page.getByTestId('view-library').waitFor();
  await page.locator('.tile[data-state]').first().waitFor({ timeout: 30_000 });
  // Watch the states the tiles go through until every one is finished and the engine is idle.
  const seen = new Set<string>();
  let shotInFlight = false;
  await waitFor(async () => {
    const states = await page.locator('.tile[data-state]').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-state')!));
    for (const s of states) seen.add(s);
    if (!shotInFlight && states.some((s) => s === 'queued' || s === 'processing')) {
      await shot('03-library-in-flight');
      shotInFlight = true;
    }
    const engineState = await page.getByTestId('engine-state').textContent();
    return states.length > 0 && states.every((s) => s === 'done' || s === 'failed') && engineState === 'idle';
  }, 300_000, 'the tiles to finish');
  assert.ok(seen.has('done'), 'no tile reached done');
  await page.locator('.tile[data-state=done] img').first().waitFor();
  await shot('04-library-done');

  // Photo detail: preview, metadata, the stage strip.
  await page.locator('.tile[data-state=done]').first().click();
  const detail = page.getByTestId('photo-detail');
  await detail.locator('.preview img').waitFor();
  assert.equal(await detail.locator('.stage').count(), 8);
  assert.equal(await detail.locator('.stage[data-stage=preprocess]').getAttribute('data-state'), 'done');
  assert.equal(await detail.getByTestId('detail-state').textContent(), 'done');
  await detail.getByRole('button', { name: 'Analyse again now' }).waitFor();
  await shot('05-photo-detail');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('06-photo-detail-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.keyboard.press('Escape');
  await detail.waitFor({ state: 'detached' });

  // Filters run in the store: "with faces" narrows the grid to photos with faces (the fixtures among them).
  const tileCount = () => page.locator('.tile[data-state]').count();
  // The grid is windowed and was just widened (the detail closed): count once its layout has settled.
  // (Two animation frames let the resize observer and React's render that follows it run.)
  const frames = () => page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
  let allTiles = -1;
  await waitFor(async () => {
    const before = await tileCount();
    await frames();
    allTiles = await tileCount();
    return before === allTiles && allTiles > 0;
  }, 15_000, 'the grid to settle after the detail closed');
  await page.getByRole('combobox', { name: 'Faces' }).selectOption('yes');
  await waitFor(async () => { const n = await tileCount(); return n > 0 && n < allTiles; }, 15_000, 'the faces filter to narrow the grid');
  const withFaces = await page.locator('.tile[data-state]').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('title')!));
  assert.ok(withFaces.some((p) => p.endsWith('/faces/sample1.jpg')), `sample1.jpg not among the photos with faces: ${withFaces.join(', ')}`);
  assert.ok(withFaces.length < allTiles);
  await shot('05b-library-filter-faces');
  // Tag "people" + quality ≥ 0 agree with "with faces"; a camera nobody has leaves the designed empty state.
  await page.getByRole('textbox', { name: 'Tag' }).fill('people');
  await page.getByRole('spinbutton', { name: 'Quality ≥' }).fill('0');
  const sameAsFaces = async () =>
    JSON.stringify((await page.locator('.tile[data-state]').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('title')!))).sort()) === JSON.stringify([...withFaces].sort());
  await waitFor(async () => (await page.getByTestId('match-count').count()) === 1 && (await sameAsFaces()), 15_000, 'tag "people" + quality ≥ 0 to agree with "with faces"');
  await page.getByRole('textbox', { name: 'Camera' }).fill('no-such-camera-xyz');
  await page.getByText('photos match these filters').waitFor();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  // The grid is windowed: compare what it draws from the top, as before the filters.
  const gridState = () =>
    page.evaluate(`({
      tiles: document.querySelectorAll('.tile[data-state]').length,
      placeholders: document.querySelectorAll('.tile:not([data-state])').length,
      matchCount: document.querySelector('[data-testid=match-count]')?.textContent ?? null,
      scrollTop: Math.max(0, ...[...document.querySelectorAll('[data-testid=view-library] *')].map((e) => e.scrollTop)),
    })`);
  await page.getByTestId('match-count').waitFor({ state: 'detached', timeout: 30_000 });
  try {
    await waitFor(async () => (await tileCount()) === allTiles, 30_000, 'the grid to come back after clearing the filters');
  } catch (error) {
    throw new Error(`${(error as Error).message}: before the filters ${allTiles} tiles, now ${JSON.stringify(await gridState())}`);
  }

  // Detail of a photo with faces: boxes drawn on the preview, tags, quality parts, similar photos.
  // (Narrowed to the photos with faces first: sorted by path, the fixtures may lie below the rows drawn.)
  await page.getByRole('combobox', { name: 'Faces' }).selectOption('yes');
  await page.locator('.tile[title$="/faces/sample1.jpg"]').click();
  await detail.locator('[data-testid=det-face]').first().waitFor({ timeout: 15_000 });
  const faceBoxes = await detail.locator('[data-testid=det-face]').count();
  assert.ok(faceBoxes >= 1, 'no face box drawn');
  const box = await detail.locator('[data-testid=det-face]').first().boundingBox();
  const img = await detail.locator('.preview img').boundingBox();
  assert.ok(box && img && box.x >= img.x - 1 && box.y >= img.y - 1 && box.x + box.width <= img.x + img.width + 1, 'the face box lies on the preview');
  await detail.getByTestId('detail-tags').getByText('people', { exact: true }).waitFor();
  await detail.getByTestId('detail-quality').waitFor();
  await detail.getByTestId('similar').locator('.similar-tile').first().waitFor({ timeout: 15_000 });
  await shot('05c-photo-detail-faces');
  await detail.getByTestId('similar').scrollIntoViewIfNeeded();
  await detail.screenshot({ path: path.join(artifacts, '05d-photo-detail-tags-quality-similar.png') });
  await detail.locator('.similar-tile').first().click();
  await detail.locator('.preview img').waitFor();
  await page.keyboard.press('Escape');
  await detail.waitFor({ state: 'detached' });

  // Failed: the corrupt JPEG is listed under its cause with its reason.
  await nav('Failed');
  const corrupt = page.locator('.failed-group[data-code=corrupt-file] .failed-item').filter({ hasText: 'corrupted.jpg' });
  await corrupt.waitFor({ timeout: 30_000 });
  const reason = (await corrupt.getByTestId('failed-reason').textContent())!;
  assert.match(reason, /preprocess/);
  assert.match(reason, /damaged|corrupt/i);
  assert.match((await corrupt.textContent())!, /1 attempt\b/);
  await shot('07-failed');

  // Retry it: it runs again and fails again with the same reason (a second attempt is recorded).
  await corrupt.getByRole('button', { name: 'Retry corrupted.jpg' }).click();
  await page.getByText('1 photo queued again').waitFor();
  await corrupt.filter({ hasText: '2 attempts' }).waitFor({ timeout: 60_000 });
  // Same stage, same cause. (libvips' detail after the colon is not always the same text: seen
  // "Unknown error" on one decode and the VipsJpeg message on another.)
  const again = (await corrupt.getByTestId('failed-reason').textContent())!;
  assert.equal(again.split(':')[0], reason.split(':')[0]);
  await shot('08-failed-after-retry');

  // "Skip this file from now on": it leaves the Failed list for the skipped list, a new scan of its
  // folder leaves it alone, and "Analyse again" undoes it (it fails again, with its reason).
  await corrupt.getByRole('button', { name: 'Skip corrupted.jpg from now on' }).click();
  await page.getByText('will be skipped from now on').waitFor();
  await corrupt.waitFor({ state: 'detached' });
  const skippedRow = page.getByTestId('skipped-files').locator('li').filter({ hasText: 'corrupted.jpg' });
  await skippedRow.waitFor();
  await shot('08b-failed-skipped');
  const before = ((await callApi('ingests.list', { limit: 1 })) as { ingests: { id: string }[] }).ingests[0]?.id;
  await callApi('library.addFolders', { paths: [photosDir] });
  await waitFor(async () => {
    const [latest] = ((await callApi('ingests.list', { limit: 1 })) as { ingests: { id: string; state: string }[] }).ingests;
    return !!latest && latest.id !== before && latest.state === 'done';
  }, 60_000, 'the rescan to finish');
  const cancelled = (await callApi('photos.list', { state: 'cancelled', limit: 500 })) as { photos: { path: string }[] };
  assert.ok(cancelled.photos.some((p) => p.path.endsWith('/corrupted.jpg')), 'a rescan analysed the skipped file again');
  await skippedRow.getByRole('button', { name: 'Stop skipping corrupted.jpg' }).click();
  await skippedRow.waitFor({ state: 'detached' });
  await corrupt.waitFor({ timeout: 60_000 });

  // Pause and resume one lane.
  await nav('Queues');
  const row = page.locator('[data-testid=lanes] tr[data-lane=default]');
  await page.getByRole('button', { name: 'Pause Default' }).click();
  await row.locator('.pill-paused').waitFor();
  await shot('09-queues-default-paused');
  await page.getByRole('button', { name: 'Resume Default' }).click();
  await row.locator('.pill-paused').waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Pause Default' }).waitFor();

  // Settings.
  await nav('Settings');
  await page.getByRole('spinbutton', { name: /CPU worker processes/ }).waitFor();
  await shot('10-settings');
  await page.emulateMedia({ colorScheme: 'dark' });
  await nav('Queues');
  await shot('11-queues-dark');

  assert.deepEqual(pageErrors, [], `errors in the page: ${pageErrors.join('\n')}`);
});

test('the grid at 30k photos renders only the visible tiles and loads pages as it scrolls', { skip, timeout: 180_000 }, async () => {
  const bigDir = mkdtempSync(path.join(tmpdir(), 'shoebox-e2e-30k-'));
  let bigServe: ServeChild | null = null;
  try {
    // Seed the library before serve opens it: 30k registered files, set aside (cancelled) so the
    // engine has nothing to analyse; the grid lists them all.
    const store = await openStore({ kind: 'sqlite', sqlitePath: libraryPaths(bigDir).sqlite });
    await store.ingests.create('big', ['/big']);
    await store.ingests.registerFiles(
      'big',
      Array.from({ length: 30_000 }, (_, i) => ({ kind: 'new' as const, photoId: `big${String(i).padStart(5, '0')}`, path: `/big/${String(i).padStart(5, '0')}.jpg`, size: 1000, mtimeMs: 1_600_000_000_000 })),
    );
    await store.ingests.cancel('big');
    await store.close();

    bigServe = await startServe(bigDir);
    const context = await browser!.newContext({ viewport: { width: 1280, height: 820 }, colorScheme: 'light' });
    const big = await context.newPage();
    const lists: string[] = [];
    big.on('request', (r) => {
      if (r.url().endsWith('/api/library.query')) lists.push(r.postData() ?? '');
    });
    await big.goto(bigServe.openUrl);
    await big.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Library' }).click();
    await big.locator('.tile[data-index="0"][data-photo-id]').waitFor({ timeout: 30_000 });
    await big.getByRole('radio', { name: /all 30,000/ }).waitFor();
    const domTiles = () => big.locator('.vtile').count();
    const first = await domTiles();
    assert.ok(first > 0 && first < 150, `${first} tiles in the DOM at the top`);
    const grid = big.locator('.vgrid');
    const scrollHeight = await grid.evaluate((el) => el.scrollHeight);
    assert.ok(scrollHeight > 100_000, `the grid is as tall as 30k photos (${scrollHeight}px)`);

    // Jump to the middle and to the end: only the pages in view are fetched.
    await grid.evaluate((el) => el.scrollTo(0, el.scrollHeight / 2));
    await big.locator('.tile[data-photo-id^="big1"]').first().waitFor({ timeout: 15_000 });
    const middle = await big.locator('.tile[data-photo-id]').evaluateAll((tiles) => tiles.map((t) => Number(t.getAttribute('data-index'))));
    assert.ok(middle.some((i) => i > 14_000 && i < 16_000), `middle tiles: ${middle.slice(0, 5).join(', ')}…`);
    assert.ok((await domTiles()) < 150);
    await shot2(big, '12-library-30k-middle');
    await grid.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await big.locator('.tile[data-index="29999"][data-photo-id="big29999"]').waitFor({ timeout: 15_000 });
    assert.ok((await domTiles()) < 150);
    // A few pages of 200, not the 150 pages of the whole library.
    assert.ok(lists.length <= 8, `${lists.length} page requests: ${lists.join(' ')}`);
    const offsets = lists.map((body) => (JSON.parse(body) as { offset: number }).offset);
    assert.ok(offsets.every((o) => o === 0 || o >= 14_000), `pages fetched: ${offsets.join(', ')}`);
    await context.close();
  } finally {
    await bigServe?.stop();
    rmSync(bigDir, { recursive: true, force: true });
  }
});

async function shot2(p: Page, name: string): Promise<void> {
  await p.screenshot({ path: path.join(artifacts, `${name}.png`) });
}
