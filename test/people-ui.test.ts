/**
 * The People view in Chromium against `shoebox serve`: persons with face crops, a name typed in place,
 * a merge by selecting two, "Not …" on the person page — each checked through the API afterwards.
 * The library is written through the people repository (real previews from ../shared/faces, synthetic
 * embeddings), so the test does not wait for an analysis.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { openStore } from '../src-core/store/open-store.js';
import { libraryPaths } from '../src-core/paths.js';
import { PeopleRepo } from '../src-core/store/repos/people-repo.js';
import { clusterInTransaction } from '../src-worker/people/clusterer.js';
import { Identities } from './helpers/people-fixtures.js';
import { findRepoRoot } from './helpers/photos.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';
import { CHROMIUM, launchChromium } from './helpers/browser.js';

const root = findRepoRoot();
const facesDir = path.resolve(root, '..', 'shared', 'faces');
const artifacts = path.join(root, 'test-artifacts');
const skip = !existsSync(CHROMIUM) ? `no chromium at ${CHROMIUM}` : !existsSync(facesDir) ? `no ${facesDir}` : false;

let serve: ServeChild | null = null;
let browser: Browser | null = null;
let page: Page;
let dataDir: string;

/** Photo file, who is in it, the face box (normalised, from the detector on these files). */
const PHOTOS: Array<[string, string, [number, number, number, number]]> = [
  ['obama-1.jpg', 'obama', [0.42, 0.072, 0.243, 0.279]],
  ['obama-2.jpg', 'obama', [0.324, 0.183, 0.427, 0.356]],
  ['biden-1.jpg', 'biden', [0.444, 0.081, 0.275, 0.177]],
  ['biden-2.jpg', 'biden', [0.36, 0.069, 0.358, 0.57]],
];

const callApi = <T = unknown>(method: string, body: unknown): Promise<T> => serve!.call<T>(method, body);

type People = { people: Array<{ id: string; name: string | null; faceCount: number }> };

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await page.waitForTimeout(150);
  }
}

before(async () => {
  if (skip) return;
  mkdirSync(artifacts, { recursive: true });
  dataDir = mkdtempSync(path.join(tmpdir(), 'shoebox-people-ui-'));
  const paths = libraryPaths(dataDir);
  const store = await openStore({ kind: 'sqlite', sqlitePath: paths.sqlite });
  const repo = new PeopleRepo(store.sql);
  const ids = new Identities(9);
  const now = new Date().toISOString();
  for (const [i, [file, who, box]] of PHOTOS.entries()) {
    const hash = createHash('sha1').update(file).digest('hex');
    const rel = `previews/${hash.slice(0, 2)}/${hash}.jpg`;
    mkdirSync(path.join(paths.cacheDir, path.dirname(rel)), { recursive: true });
    copyFileSync(path.join(facesDir, file), path.join(paths.cacheDir, rel));
    const photoId = `photo-${i}`;
    await store.sql.run(`INSERT INTO photos (id, path, size, mtime_ms, state, revision, created_at, updated_at) VALUES (?, ?, 1, 1, 'done', 1, ?, ?)`, [photoId, path.join(facesDir, file), now, now]);
    await store.sql.run(
      `INSERT INTO photo_derivatives (photo_id, thumbnail_path, preview_path, width, height, dhash, format, updated_at) VALUES (?, ?, ?, 100, 100, '0', 'jpeg', ?)`,
      [photoId, rel, rel, now],
    );
    const { pending } = await repo.replacePhotoFaces(photoId, 1, [ids.face(who, 0, { box })]);
    await clusterInTransaction(store.sql, pending);
  }
  await store.close();
  serve = await startServe(dataDir);
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 820 }, colorScheme: 'light' })).newPage();
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await serve?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('People view: name in place, merge by selecting, "Not …" on the person page', { skip }, async () => {
  await page.goto(serve!.openUrl);
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'People' }).click();
  const cards = page.getByTestId('person-card');
  await until(async () => (await cards.count()) === 2, 'two person cards');
  // Each card shows a face crop that loaded.
  await until(async () => (await page.locator('.person-card img.face-img').evaluateAll((imgs) => imgs.every((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0))) === true, 'face crops');
  await page.screenshot({ path: path.join(artifacts, 'people.png') });

  const firstName = cards.nth(0).getByPlaceholder('Add a name');
  await firstName.fill('Joe');
  await firstName.press('Enter');
  await until(async () => (await callApi<People>('people.list', {})).people.some((p) => p.name === 'Joe'), 'the name saved');

  await cards.nth(0).getByLabel('Select for merge').check();
  await cards.nth(1).getByLabel('Select for merge').check();
  // Several people together: no photo shows both of these two.
  await page.getByRole('button', { name: 'Photos with all 2' }).click();
  await page.getByText('0 photos together').waitFor();
  await page.getByRole('button', { name: '← People' }).click();
  await page.getByRole('button', { name: /^Merge/ }).click();
  await until(async () => (await callApi<People>('people.list', {})).people.length === 1, 'the merge');
  const [merged] = (await callApi<People>('people.list', {})).people;
  assert.equal(merged!.faceCount, 4);
  await until(async () => (await cards.count()) === 1, 'one card after the merge');

  await cards.nth(0).locator('.person-face').click();
  const notButtons = page.getByRole('button', { name: /^Not / });
  await until(async () => (await notButtons.count()) === 4, 'the person page');
  await page.screenshot({ path: path.join(artifacts, 'person.png') });
  await notButtons.nth(0).click();
  await until(async () => (await callApi<People>('people.list', {})).people[0]!.faceCount === 3, '"not this person"');
});
