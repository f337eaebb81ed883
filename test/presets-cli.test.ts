/**
 * The preset commands end to end (issue 15), as a person runs them: a real library (SQLite file) holding
 * real photos with their metadata read by the metadata stage and faces found by the real face model;
 * `shoebox preset list / import / apply`, `rate`, `label-color` run as child processes; the sidecars they
 * write are read back by exiftool, and the photos are never changed.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { libraryPaths } from '../src-core/paths.js';
import { openStore } from '../src-core/store/open-store.js';
import { FaceAnalyzer } from '../src-worker/ml/faces.js';
import { loadRgb } from '../src-worker/ml/image.js';
import { readMetadata } from '../src-worker/stages/metadata.js';
import { runCli } from './helpers/cli.js';
import { findRepoRoot } from './helpers/photos.js';

const root = findRepoRoot();
const shared = path.join(root, '..', 'shared');
const presetFile = path.join(root, 'test', 'fixtures', 'presets', 'Moody & Warm.xmp');
const ready = existsSync(path.join(shared, 'faces', 'obama-1.jpg')) && (() => {
  try {
    execFileSync('exiftool', ['-ver']);
    return true;
  } catch {
    return false;
  }
})();

function exif(file: string, struct = false): Record<string, unknown> {
  const out = execFileSync('exiftool', ['-xmp:all', '-json', '-G1', ...(struct ? ['-struct'] : []), file], { encoding: 'utf8' });
  return (JSON.parse(out) as Record<string, unknown>[])[0]!;
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('shoebox preset / rate / label-color', { skip: ready ? false : 'needs ../shared photos and exiftool' }, () => {
  let dataDir: string;
  let photos: string;
  let portrait: string;
  let landscape: string;
  let originals: Map<string, string>;
  const data = (): string[] => ['--data', dataDir];

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'shoebox-presets-cli-'));
    photos = path.join(dataDir, 'photos');
    mkdirSync(path.join(photos, 'trip'), { recursive: true });
    portrait = path.join(photos, 'obama.jpg');
    landscape = path.join(photos, 'trip', 'DSCN0010.jpg');
    copyFileSync(path.join(shared, 'faces', 'obama-1.jpg'), portrait);
    copyFileSync(path.join(shared, 'photos', 'jpg', 'gps', 'DSCN0010.jpg'), landscape);
    originals = new Map([portrait, landscape].map((f) => [f, sha(f)]));
    // The library as analysis leaves it: metadata from the metadata stage, faces from the face model.
    const store = await openStore({ kind: 'sqlite', sqlitePath: libraryPaths(dataDir).sqlite });
    const faces = await FaceAnalyzer.load();
    await store.ingests.create('ing', [photos]);
    await store.ingests.registerFiles('ing', [
      { kind: 'new', photoId: 'portrait', path: portrait, size: 1, mtimeMs: 1 },
      { kind: 'new', photoId: 'landscape', path: landscape, size: 1, mtimeMs: 1 },
    ]);
    for (const [id, file] of [['portrait', portrait], ['landscape', landscape]] as const) {
      const { metadata } = await readMetadata(readFileSync(file), { path: file });
      await store.progress.saveMetadata(id, 0, metadata);
      const preview = await sharp(file).rotate().resize(1600, 1600, { fit: 'inside', withoutEnlargement: true }).jpeg().toBuffer({ resolveWithObject: true });
      const found = await faces.analyze(await loadRgb(preview.data));
      await store.progress.saveResult(id, 0, 'detect', { faces: found, objects: [], text: [] });
      await store.progress.saveResult(id, 0, 'tag', { tags: id === 'portrait' ? ['person'] : ['outdoors'], description: '' });
    }
    await store.close();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lists the built-in presets and rules, and imports a Lightroom preset', async () => {
    const list = await runCli(['preset', 'list', '--json', ...data()]);
    assert.equal(list.code, 0, list.stderr);
    const parsed = JSON.parse(list.stdout) as { presets: { id: string }[]; rules: unknown[]; sidecarNaming: string };
    assert.ok(parsed.presets.some((p) => p.id === 'builtin:landscape'));
    assert.equal(parsed.sidecarNaming, 'stem');
    const imported = await runCli(['preset', 'import', presetFile, ...data()]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /imported Moody & Warm as imported:9A3B2C1D0E0F4A5B8C7D6E5F4A3B2C1D \(8 settings; not imported: Look\)/);
    const bad = await runCli(['preset', 'import', portrait, ...data()]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /obama\.jpg is not an XMP preset/);
  });

  it('applies each photo’s suggested preset as sidecars exiftool reads, with faces as MWG regions', async () => {
    const r = await runCli(['preset', 'apply', '--suggested', photos, '--json', ...data()]);
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(r.stdout) as { photoId: string; presetId: string; ruleId: string; sidecarPath: string }[];
    const byId = new Map(results.map((x) => [x.photoId, x]));
    assert.equal(byId.get('portrait')!.presetId, 'builtin:portrait');
    assert.equal(byId.get('landscape')!.presetId, 'builtin:landscape');
    const p = exif(path.join(photos, 'obama.xmp'), true);
    assert.equal(p['XMP-crs:Texture'], -15);
    assert.equal(p['XMP-shoebox:Preset'], 'Portrait');
    assert.equal(p['XMP-shoebox:Rule'], 'rule:portrait');
    assert.deepEqual(p['XMP-shoebox:Context'], ['portrait']);
    assert.deepEqual(p['XMP-lr:HierarchicalSubject'], ['Shoebox|person']);
    const regions = (p['XMP-mwg-rs:RegionInfo'] as { RegionList: { Type: string; Area: { X: number; W: number } }[] }).RegionList;
    assert.equal(regions.length, 1);
    assert.equal(regions[0]!.Type, 'Face');
    assert.ok(regions[0]!.Area.X > 0.2 && regions[0]!.Area.X < 0.8);
    const l = exif(path.join(photos, 'trip', 'DSCN0010.xmp'));
    assert.equal(l['XMP-crs:Vibrance'], '+25');
    assert.deepEqual(l['XMP-shoebox:Context'], ['golden-hour', 'landscape']);
  });

  it('rates and labels photos into the same sidecar, keeping the preset; a chosen preset replaces the suggested one', async () => {
    const rate = await runCli(['rate', portrait, '4', ...data()]);
    assert.equal(rate.code, 0, rate.stderr);
    const label = await runCli(['label-color', portrait, 'red', ...data()]);
    assert.equal(label.code, 0, label.stderr);
    let p = exif(path.join(photos, 'obama.xmp'));
    assert.equal(p['XMP-xmp:Rating'], 4);
    assert.equal(p['XMP-xmp:Label'], 'Red');
    assert.equal(p['XMP-crs:Texture'], -15, 'the preset written before stays');
    const reject = await runCli(['rate', portrait, 'reject', ...data()]);
    assert.equal(reject.code, 0, reject.stderr);
    assert.equal(exif(path.join(photos, 'obama.xmp'))['XMP-xmp:Rating'], -1);
    await runCli(['rate', ...data(), portrait, '--', '2']);
    assert.equal(exif(path.join(photos, 'obama.xmp'))['XMP-xmp:Rating'], 2);
    const minusOne = await runCli(['rate', ...data(), portrait, '--', '-1']);
    assert.equal(minusOne.code, 0, minusOne.stderr);
    assert.equal(exif(path.join(photos, 'obama.xmp'))['XMP-xmp:Rating'], -1);

    const apply = await runCli(['preset', 'apply', 'Moody & Warm', portrait, ...data()]);
    assert.equal(apply.code, 0, apply.stderr);
    assert.doesNotMatch(apply.stdout, /changed by another app/, 'only Shoebox wrote it since');
    p = exif(path.join(photos, 'obama.xmp'));
    assert.equal(p['XMP-crs:Exposure2012'], '+0.50');
    assert.deepEqual(p['XMP-crs:ToneCurvePV2012'], ['0, 0', '128, 140', '255, 255']);
    assert.equal(p['XMP-crs:Texture'], undefined, "the previous preset's settings Shoebox wrote are gone");
    assert.equal(p['XMP-xmp:Rating'], -1, 'the rating stays');
    assert.equal(p['XMP-xmp:Label'], 'Red');
    const none = await runCli(['label-color', portrait, 'none', ...data()]);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(exif(path.join(photos, 'obama.xmp'))['XMP-xmp:Label'], undefined, '"none" clears the label');

    // A rating another app wrote is kept when Shoebox has none to write.
    const landscapeSidecar = path.join(photos, 'trip', 'DSCN0010.xmp');
    execFileSync('exiftool', ['-q', '-overwrite_original', '-XMP-xmp:Rating=3', landscapeSidecar]);
    const natural = await runCli(['preset', 'apply', 'natural', landscape, '--json', ...data()]);
    assert.equal(natural.code, 0, natural.stderr);
    assert.equal((JSON.parse(natural.stdout) as { changedOutside: boolean }[])[0]!.changedOutside, true, 'the edit by another app is noticed');
    const l = exif(landscapeSidecar);
    assert.equal(l['XMP-xmp:Rating'], 3);
    assert.equal(l['XMP-shoebox:Preset'], 'Natural');
    assert.equal(l['XMP-crs:Dehaze'], undefined, "the Landscape preset's own settings went with it");
    for (const [file, hash] of originals) assert.equal(sha(file), hash, `${file} is unchanged`);
  });

  it('says what is wrong with bad arguments', async () => {
    const unknown = await runCli(['preset', 'apply', 'natural', path.join(photos, 'nope.jpg'), ...data()]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /nope\.jpg: not a photo of this library/);
    const noPreset = await runCli(['preset', 'apply', 'Velvia', portrait, ...data()]);
    assert.equal(noPreset.code, 2);
    assert.match(noPreset.stderr, /no preset "Velvia"/);
    const badRating = await runCli(['rate', portrait, '7', ...data()]);
    assert.equal(badRating.code, 2);
    assert.match(badRating.stderr, /usage: shoebox rate/);
    const badColour = await runCli(['label-color', portrait, 'mauve', ...data()]);
    assert.equal(badColour.code, 2);
  });
});
