/**
 * Issue 16 in the app (a real `shoebox serve`, a real CPU worker, chromium): the Queues view lists an
 * export with its progress and state (a paused one with its reason); Resume finishes it and the files land
 * in its folder. Screenshots at 1440×900 and 800×600 go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { createExport } from '../src-core/export/plan-export.js';
import { libraryPaths } from '../src-core/paths.js';
import { openStore } from '../src-core/store/open-store.js';
import { ExportsRepo } from '../src-core/store/repos/exports-repo.js';
import { findRepoRoot, hasPhotos, photosDir } from './helpers/photos.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';
import { waitFor } from './helpers/engine.js';
import { CHROMIUM, closeUiTest, launchPage } from './helpers/browser.js';

const root = findRepoRoot();
const artifacts = path.join(root, 'test-artifacts');
const skip = !existsSync(CHROMIUM) ? `no chromium at ${CHROMIUM}` : !hasPhotos ? 'no ../shared/photos' : false;

let serve: ServeChild | null = null;
let browser: Browser | null = null;
let page: Page;
let dataDir: string;
let target: string;
let openerLog: string;
const openedFolders = (): string[] => (existsSync(openerLog) ? readFileSync(openerLog, 'utf8').split('\n').filter(Boolean) : []);

before(async () => {
  if (skip) return;
  mkdirSync(artifacts, { recursive: true });
  if (!existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'src-renderer/vite.config.mjs'], { cwd: root, stdio: 'ignore' });
  }
  dataDir = mkdtempSync(path.join(tmpdir(), 'shoebox-exports-ui-'));
  const photos = path.join(dataDir, 'photos');
  mkdirSync(photos);
  target = path.join(dataDir, 'Holiday export');
  const store = await openStore({ kind: 'sqlite', sqlitePath: libraryPaths(dataDir).sqlite });
  try {
    const names = ['DSCN0010.jpg', 'DSCN0012.jpg', 'DSCN0021.jpg'];
    for (const n of names) copyFileSync(path.join(photosDir, 'jpg', 'gps', n), path.join(photos, n));
    await store.ingests.create('ing', [photos]);
    await store.ingests.registerFiles('ing', names.map((n, i) => ({ kind: 'new' as const, photoId: `p${i}`, path: path.join(photos, n), size: 1, mtimeMs: 1 })));
    const repo = new ExportsRepo(store.sql);
    // A running export two of whose three photos finished in the last minute (its last job is not queued,
    // so it stays running): the panel shows its rate and time left. Created first, so listed second.
    const running = await createExport(repo, { photoIds: ['p0', 'p1', 'p2'], targetDir: path.join(dataDir, 'Running export'), options: {} });
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    await repo.finishItem(running.id, 0, { state: 'done', bytes: 1 });
    await repo.finishItem(running.id, 1, { state: 'done', bytes: 1 });
    await store.sql.run(`UPDATE exports SET created_at = ?, updated_at = ? WHERE id = ?`, [ago(60_000), ago(60_000), running.id]);
    await store.sql.run(`UPDATE export_items SET updated_at = ? WHERE export_id = ? AND seq = 0`, [ago(40_000), running.id]);
    await store.sql.run(`UPDATE export_items SET updated_at = ? WHERE export_id = ? AND seq = 1`, [ago(20_000), running.id]);
    const exp = await createExport(repo, { photoIds: ['p0', 'p1', 'p2'], targetDir: target, options: { longEdge: 400 } });
    await repo.setState(exp.id, 'paused', 'disk full: no space left in the target folder (export paused; free space, then resume it)');
  } finally {
    await store.close();
  }
  // The platform opener the engine runs for "Open folder" (xdg-open here): a stand-in earlier on PATH
  // that records what it was asked to open, since no file manager can open on a headless machine.
  const bin = path.join(dataDir, 'bin');
  mkdirSync(bin);
  openerLog = path.join(dataDir, 'opened.txt');
  writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" >> '${openerLog}'\n`, { mode: 0o755 });
  serve = await startServe(dataDir, ['--ml-workers', '0', '--cpu-workers', '1'], { PATH: `${bin}:${process.env.PATH ?? ''}` });
  ({ browser, page } = await launchPage());
});

after(() => closeUiTest({ browser, serve, dataDir }));

test('the Queues view shows an export paused for a full disk; Resume finishes it', { skip, timeout: 240_000 }, async () => {
  await page.goto(serve!.openUrl);
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Queues' }).click();
  const row = page.getByTestId('export-row').first();
  await row.waitFor({ timeout: 30_000 });
  assert.equal(await row.getAttribute('data-state'), 'paused');
  assert.match((await row.textContent()) ?? '', /disk full: no space left/);
  assert.match((await row.textContent()) ?? '', /0\/3/);
  const runningRow = page.locator('[data-testid=export-row][data-state=running]');
  assert.match((await runningRow.getByTestId('export-eta').textContent()) ?? '', /^\d+(\.\d)?\/min · about .+ left$/);
  assert.equal(await runningRow.getByRole('button', { name: 'Open folder' }).count(), 0, 'no Open folder before it finished');
  await page.getByTestId('exports-panel').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(artifacts, 'exports-queues-1440.png') });
  await page.setViewportSize({ width: 800, height: 600 });
  await page.getByTestId('exports-panel').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(artifacts, 'exports-queues-800.png') });
  await page.setViewportSize({ width: 1440, height: 900 });

  await row.getByRole('button', { name: 'Resume' }).click();
  await page.locator('[data-testid=export-row][data-state=done]').waitFor({ timeout: 180_000 });
  assert.match((await page.getByTestId('export-row').first().textContent()) ?? '', /3\/3/);
  assert.deepEqual(readdirSync(target).sort(), ['DSCN0010.jpg', 'DSCN0012.jpg', 'DSCN0021.jpg']);
  await page.getByTestId('exports-panel').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(artifacts, 'exports-queues-done-1440.png') });

  // Started from the CLI, not from here: it did not open by itself; "Open folder" asks the engine to.
  assert.deepEqual(openedFolders(), []);
  await page.getByTestId('export-row').first().getByRole('button', { name: 'Open folder' }).click();
  await page.getByTestId('export-row').first().getByRole('status').waitFor({ timeout: 30_000 });
  assert.match((await page.getByTestId('export-row').first().getByRole('status').textContent()) ?? '', /Opened .*Holiday export/);
  assert.deepEqual(openedFolders(), [realpathSync(target)]);
  await page.setViewportSize({ width: 800, height: 600 });
  await page.getByTestId('exports-panel').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(artifacts, 'exports-queues-done-800.png') });
  await page.setViewportSize({ width: 1440, height: 900 });
});

test('Export… on the photo detail renders the photo with a preset into a folder', { skip, timeout: 240_000 }, async () => {
  const folder = path.join(dataDir, 'Black and white');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Library' }).click();
  await page.locator('.tile').first().click();
  const form = page.getByTestId('export-form');
  await form.getByRole('button', { name: /Export…/ }).click();
  await form.getByRole('option', { name: 'Black & white' }).waitFor({ state: 'attached', timeout: 30_000 });
  await form.getByLabel('Export folder').fill(folder);
  await form.getByLabel('Preset').selectOption({ label: 'Black & white' });
  await form.getByLabel('Long edge in pixels').fill('300');
  await form.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(artifacts, 'exports-form-1440.png') });
  await page.setViewportSize({ width: 800, height: 600 });
  await form.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(artifacts, 'exports-form-800.png') });
  await page.setViewportSize({ width: 1440, height: 900 });
  await form.getByRole('button', { name: 'Export', exact: true }).click();
  await form.getByRole('status').waitFor({ timeout: 30_000 });
  assert.match((await form.getByRole('status').textContent()) ?? '', /Export queued: 1 photo → .*Black and white/);
  const bad = page.getByTestId('export-form');
  await bad.getByLabel('Export folder').fill('relative/folder');
  await bad.getByRole('button', { name: 'Export', exact: true }).click();
  await bad.getByRole('alert').waitFor({ timeout: 30_000 });
  assert.match((await bad.getByRole('alert').textContent()) ?? '', /absolute path/);

  await waitFor(() => existsSync(folder) && readdirSync(folder).some((n) => n.endsWith('.jpg')), 180_000, 'the export from the detail to land');
  const file = path.join(folder, readdirSync(folder).find((n) => n.endsWith('.jpg'))!);
  const stats = await sharp(file).stats();
  assert.ok(Math.abs(stats.channels[0]!.mean - stats.channels[2]!.mean) < 1.5, 'the Black & white preset was rendered');
  const meta = await sharp(file).metadata();
  assert.equal(Math.max(meta.width!, meta.height!), 300);
  // Started from the app, with "open the folder when it finishes" on by default: its folder opened.
  await waitFor(() => openedFolders().includes(realpathSync(folder)), 60_000, "the finished export's folder to be opened");
});
