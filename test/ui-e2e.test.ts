import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

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
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
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

test('the UI drives a real engine: add a folder, watch it, inspect, retry, pause', { skip, timeout: 240_000 }, async () => {
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
  const seen = new Set<string>();
  const deadline = Date.now() + 150_000;
  let shotInFlight = false;
  for (;;) {
    const states = await page.locator('.tile[data-state]').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-state')!));
    for (const s of states) seen.add(s);
    if (!shotInFlight && states.some((s) => s === 'queued' || s === 'processing')) {
      await shot('03-library-in-flight');
      shotInFlight = true;
    }
    const engineState = await page.getByTestId('engine-state').textContent();
    if (states.length > 0 && states.every((s) => s === 'done' || s === 'failed') && engineState === 'idle') break;
    assert.ok(Date.now() < deadline, `tiles did not finish; states seen: ${[...seen].join(', ')}`);
    await page.waitForTimeout(400);
  }
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
