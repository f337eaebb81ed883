/**
 * The Labels view in Chromium against `shoebox serve` (a real engine analysing real photos): the label
 * listed in the sidebar, its page with the suggestions grid and the evaluation chart; accept and reject
 * on a suggestion become examples and the engine's debounced recalculation (checked through the API).
 * Screenshots at 1440×900 and 800×600 go to docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import type { LabelPageDto } from '../src-shared/api/labels-contract.js';
import { findRepoRoot } from './helpers/photos.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';
import { waitFor } from './helpers/engine.js';
import { CHROMIUM, closeUiTest, launchPage } from './helpers/browser.js';

const root = findRepoRoot();
const shared = path.resolve(root, '..', 'shared');
const shots = path.join(root, 'docs', 'screenshots');
const skip = !existsSync(CHROMIUM) ? `no chromium at ${CHROMIUM}` : !existsSync(path.join(shared, 'faces')) ? `no ${shared}/faces` : false;

const PEOPLE = ['faces/obama-1.jpg', 'faces/biden-2.jpg', 'faces/rose_leslie-1.jpg', 'faces/alex_lacamoire-3.jpg', 'faces/kit_harington-2.jpg', 'faces/lin_manuel_miranda-1.png', 'faces/obama-4.jpg', 'faces/rose_leslie-2.jpg', 'faces/biden-1.jpg'];
const OTHERS = ['photos/jpg/gps/DSCN0021.jpg', 'photos/jpg/gps/DSCN0040.jpg', 'photos/jpg/Olympus_C8080WZ.jpg', 'photos/tiff/Jobagent.tiff', 'photos/jpg/exif-org/nikon-e950.jpg', 'photos/jpg/Pentax_K10D.jpg'];

let serve: ServeChild | null = null;
let browser: Browser | null = null;
let page: Page;
let dataDir: string;

const callApi = <T = unknown>(method: string, body: unknown): Promise<T> => serve!.call<T>(method, body);

/** The shared waitFor, with this file's argument order. */
function until(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  return waitFor(condition, timeoutMs, what);
}

async function shot(name: string, width: number, height: number): Promise<void> {
  await page.setViewportSize({ width, height });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, `${width}-${name}.jpg`), type: 'jpeg', quality: 80 });
}

const labelPage = () => callApi<LabelPageDto>('labels.get', { label: 'people' });

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(path.join(tmpdir(), 'shoebox-labels-ui-'));
  const lib = path.join(dataDir, 'library');
  mkdirSync(lib);
  for (const f of [...PEOPLE, ...OTHERS]) copyFileSync(path.join(shared, f), path.join(lib, path.basename(f)));
  serve = await startServe(dataDir);
  await callApi('library.addFolders', { paths: [lib] });
  await until(async () => {
    const status = await callApi<{ photos: Record<string, number> }>('status.get', {});
    const total = Object.values(status.photos).reduce((a, b) => a + b, 0);
    return total === PEOPLE.length + OTHERS.length && (status.photos.queued ?? 0) + (status.photos.processing ?? 0) === 0;
  }, 'the photos analysed', 300_000);
  // The person's first examples: three photos of people, two "not this".
  const photos = await callApi<{ photos: Array<{ id: string; path: string }> }>('photos.list', { limit: 100 });
  const idOf = (f: string) => photos.photos.find((p) => path.basename(p.path) === path.basename(f))!.id;
  await callApi('labels.mark', { label: 'people', photoIds: PEOPLE.slice(0, 3).map(idOf), kind: 'positive' });
  await callApi('labels.mark', { label: 'people', photoIds: OTHERS.slice(0, 2).map(idOf), kind: 'negative' });
  await until(async () => (await labelPage()).runs.length === 1, 'the first recalculation');
  ({ browser, page } = await launchPage());
});

after(() => closeUiTest({ browser, serve, dataDir }));

test('Labels: the label in the sidebar, suggestions with accept / reject, the evaluation chart', { skip }, async () => {
  await page.goto(serve!.openUrl);
  const nav = page.getByRole('navigation', { name: 'Views' });
  await nav.getByRole('button', { name: 'Label people' }).click();
  const suggestions = page.getByTestId('label-suggestion');
  const before = await labelPage();
  assert.ok(before.suggestions.length >= 2, `needs two suggestions to accept and reject, got ${before.suggestions.length}`);
  await until(async () => (await suggestions.count()) === before.suggestions.length, 'the suggestions grid');
  await until(async () => (await page.locator('.label-tile img').evaluateAll((imgs) => imgs.every((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0))) === true, 'thumbnails');
  await page.getByRole('img', { name: /Precision\/recall curve/ }).waitFor();
  await shot('labels', 1440, 900);
  await shot('labels', 800, 600);
  await page.setViewportSize({ width: 1440, height: 900 });

  // Accept the best suggestion, reject the next: two examples, one debounced recalculation.
  const [first, second] = before.suggestions;
  await page.getByRole('button', { name: `Accept ${path.basename(first!.path)} as people` }).click();
  await page.getByRole('button', { name: `Reject ${path.basename(second!.path)} for people` }).click();
  await until(async () => {
    const p = await labelPage();
    return p.runs.length === 2 && p.examples.length === before.examples.length + 2;
  }, 'the examples and one recalculation');
  const after_ = await labelPage();
  assert.equal(after_.examples.find((e) => e.photoId === first!.photoId)?.kind, 'positive');
  assert.equal(after_.examples.find((e) => e.photoId === second!.photoId)?.kind, 'negative');
  assert.equal(after_.runs[0]!.positives, 4);
  // The page reads the recalculated label: the judged photos are no longer suggested.
  await until(async () => (await page.getByRole('button', { name: `Accept ${path.basename(first!.path)} as people` }).count()) === 0 && (await page.getByRole('status').filter({ hasText: 'recalculating' }).count()) === 0, 'the page after the recalculation');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await until(async () => (await labelPage()).runs.length === 3, 'the evaluation run');
  await page.waitForTimeout(3500);
  await shot('labels-after', 1440, 900);
});
