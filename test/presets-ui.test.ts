/**
 * Issue 15 in the app (a real `shoebox serve`, real workers, chromium): the photo detail shows the
 * photo's context with its reasons and the suggested preset with its rule; the button queues the sidecar
 * write, which lands next to the photo. The Presets view: a built-in duplicated, a slider moved → the
 * worker-rendered "after" image changes (brighter, measured on its pixels), saved; a rule moved and saved;
 * a contradictory rule refused with the engine's reason; a Lightroom preset file imported. Screenshots at
 * 1440×900 and 800×600: the detail's to test-artifacts/, the editor's and the rules' to docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { findRepoRoot, hasPhotos, photosDir } from './helpers/photos.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';
import { waitFor } from './helpers/engine.js';
import { CHROMIUM, closeUiTest, launchPage } from './helpers/browser.js';

const root = findRepoRoot();
const artifacts = path.join(root, 'test-artifacts');
const screenshots = path.join(root, 'docs', 'screenshots');
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
  ({ browser, page } = await launchPage());
});

after(async () => {
  await closeUiTest({ browser, serve, dataDir });
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

/** An API call from the page, with the tab's token as the app sends it: what the engine has stored. */
async function api<T>(method: string, body: unknown = {}): Promise<T> {
  return page.evaluate(
    async ([m, b, token]) => {
      const res = await fetch(`/api/${m}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(b) });
      const json = (await res.json()) as { ok: boolean; result?: unknown; error?: unknown };
      if (!json.ok) throw new Error(JSON.stringify(json.error));
      return json.result;
    },
    [method, body, serve!.token] as const,
  ) as Promise<T>;
}

async function meanLuma(src: string): Promise<number> {
  const { channels } = await sharp(Buffer.from(src.replace(/^data:image\/jpeg;base64,/, ''), 'base64')).greyscale().stats();
  return channels[0]!.mean;
}

interface PresetDto { id: string; name: string; settings: Record<string, string>; source: string }
interface RuleDto { id: string; when: string[]; unless: string[]; presetId: string }

test('the Presets view edits a preset with a live before/after, and edits the rules', { skip, timeout: 240_000 }, async () => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Presets' }).click();
  const editor = page.getByTestId('preset-editor');
  await page.getByRole('navigation', { name: 'Presets' }).getByRole('button', { name: /^Natural/ }).click();
  await editor.getByRole('heading', { name: /Natural/ }).waitFor();
  const after = editor.getByTestId('preview-after');
  await after.waitFor({ timeout: 60_000 });
  await editor.getByTestId('preview-before').waitFor({ timeout: 60_000 });
  assert.equal(await editor.getByLabel('Exposure').isDisabled(), true, 'a built-in is read-only');

  // Duplicate, then raise the exposure: the after image is rendered again, brighter.
  await editor.getByRole('button', { name: 'Duplicate to edit' }).click();
  await editor.getByLabel('Preset name').waitFor();
  assert.equal(await editor.getByLabel('Preset name').inputValue(), 'Natural (copy)');
  await page.getByTestId('preview-status').filter({ hasText: 'Rendered' }).waitFor({ timeout: 60_000 });
  const firstSrc = (await after.getAttribute('src'))!;
  await editor.getByLabel('Exposure').fill('1.5');
  await waitFor(async () => (await after.getAttribute('src')) !== firstSrc, 60_000, 'a new after image');
  await page.getByTestId('preview-status').filter({ hasText: 'Rendered' }).waitFor({ timeout: 60_000 });
  const brighterSrc = (await after.getAttribute('src'))!;
  const [l0, l1] = [await meanLuma(firstSrc), await meanLuma(brighterSrc)];
  assert.ok(l1 > l0 + 10, `+1.5 EV: mean luma ${l1.toFixed(1)} vs ${l0.toFixed(1)}`);
  await editor.getByLabel('Preset name').fill('Bright natural');
  await editor.getByRole('button', { name: 'Save', exact: true }).click();
  await editor.getByText('Saved.').waitFor();
  const { presets } = await api<{ presets: PresetDto[] }>('presets.list');
  const mine = presets.find((p) => p.name === 'Bright natural');
  assert.ok(mine, 'the saved preset is in the library');
  assert.equal(mine.settings.Exposure2012, '+1.50');
  assert.equal(mine.source, 'user');
  assert.equal(mine.settings.Sharpness, '40', 'settings the sliders did not touch are kept');
  await page.locator('#content').evaluate((el) => el.scrollTo(0, 0));
  await page.screenshot({ path: path.join(screenshots, '1440-presets-editor.jpg'), type: 'jpeg', quality: 85 });

  // Rules: move the second rule down, save, and the stored order follows.
  const rules = page.getByTestId('rule-editor');
  const before = (await api<{ rules: RuleDto[] }>('presets.list')).rules.map((r) => r.id);
  await rules.getByRole('button', { name: 'Move rule 2 down' }).click();
  await rules.getByRole('button', { name: 'Save rules' }).click();
  await rules.getByTestId('rules-status').filter({ hasText: 'Rules saved' }).waitFor();
  const saved = (await api<{ rules: RuleDto[] }>('presets.list')).rules.map((r) => r.id);
  assert.deepEqual(saved, [before[0], before[2], before[1], ...before.slice(3)]);
  // The new preset as the default's choice, and a rule that can never match: refused with the reason.
  await rules.getByRole('combobox', { name: `Preset of rule ${saved.length}` }).selectOption(mine.id);
  await rules.getByRole('combobox', { name: 'Add a label to “Unless” of rule 1' }).selectOption('document');
  await rules.getByRole('button', { name: 'Save rules' }).click();
  await rules.getByRole('alert').filter({ hasText: 'both needs and excludes document' }).waitFor();
  assert.deepEqual((await api<{ rules: RuleDto[] }>('presets.list')).rules.map((r) => r.presetId).at(-1), 'builtin:natural', 'nothing saved from a refused list');
  await rules.getByRole('button', { name: 'Remove document from “Unless” of rule 1' }).click();
  await rules.getByRole('button', { name: 'Save rules' }).click();
  await rules.getByTestId('rules-status').filter({ hasText: 'Rules saved' }).waitFor();
  assert.equal((await api<{ rules: RuleDto[] }>('presets.list')).rules.at(-1)!.presetId, mine.id);
  await rules.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: path.join(screenshots, '1440-presets-rules.jpg'), type: 'jpeg', quality: 85 });

  // A Lightroom preset file, through the page's file input.
  await page.getByTestId('import-preset').setInputFiles(path.join(root, 'test', 'fixtures', 'presets', 'Moody & Warm.xmp'));
  await page.getByRole('status').filter({ hasText: /Imported “Moody & Warm”/ }).waitFor();
  assert.ok((await api<{ presets: PresetDto[] }>('presets.list')).presets.some((p) => p.source === 'imported' && p.name === 'Moody & Warm'));

  // darktable naming, then "apply suggested presets to this folder": the bulk lane writes tuscany.jpg.xmp.
  const folderCard = page.getByRole('region', { name: 'Apply suggested presets to a folder' });
  await folderCard.getByRole('button', { name: 'photo.jpg.xmp' }).click();
  await folderCard.getByRole('button', { name: 'photo.jpg.xmp', pressed: true }).waitFor();
  assert.equal((await api<{ sidecarNaming: string }>('presets.list')).sidecarNaming, 'full');
  await folderCard.getByRole('button', { name: 'Apply suggested presets' }).click();
  await folderCard.getByRole('status').filter({ hasText: /Queued 1 sidecar write on the bulk lane: \d high, \d medium, \d low priority/ }).waitFor();
  const darktable = path.join(photos, 'tuscany.jpg.xmp');
  await waitFor(() => existsSync(darktable), 60_000, 'the folder apply sidecar');
  const written = JSON.parse(execFileSync('exiftool', ['-xmp:all', '-json', '-G1', darktable], { encoding: 'utf8' }))[0] as Record<string, unknown>;
  assert.equal(written['XMP-shoebox:Preset'], 'Landscape', 'the suggested preset (rule: landscape)');

  await page.setViewportSize({ width: 800, height: 600 });
  await page.getByRole('navigation', { name: 'Presets' }).getByRole('button', { name: /^Bright natural/ }).click();
  await page.getByTestId('preview-status').filter({ hasText: 'Rendered' }).waitFor({ timeout: 60_000 });
  await page.locator('#content').evaluate((el) => el.scrollTo(0, 0));
  await page.screenshot({ path: path.join(screenshots, '800-presets-editor.jpg'), type: 'jpeg', quality: 85 });
  await rules.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: path.join(screenshots, '800-presets-rules.jpg'), type: 'jpeg', quality: 85 });
});
