/**
 * Issue 15's priorities and the editor's preview, through a real engine (bundled Redis, forked workers,
 * SQLite, real photos):
 * - "apply suggested presets to this folder" queues on the bulk (default) lane with a BullMQ priority from
 *   each photo's quality score (≥ 4.5 → 1, 3.5–4.5 → 2, < 3.5 → 3), and the lane serves them in that order;
 * - a person's request goes to high_priority and is written while the bulk lane is still held;
 * - presets.preview renders the cached preview in a worker: +1 EV comes back brighter than no preset.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { dispatch } from '../src-main/engine/api/dispatch.js';
import { createHandlers } from '../src-main/engine/api/handlers.js';
import type { Engine } from '../src-main/engine/engine.js';
import { LibraryOperations } from '../src-main/engine/operations.js';
import { libraryPaths } from '../src-core/paths.js';
import { PhotoPresetsRepo } from '../src-core/store/repos/photo-presets-repo.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { hasPhotos, photosDir } from './helpers/photos.js';

/** Three photos (under ../shared/photos/jpg), and the quality each is given for the test (one per band). */
const PHOTOS = [
  { file: 'Canon_40D.jpg', quality: 2.1, priority: 3 },
  { file: 'mobile/jolla.jpg', quality: 4.8, priority: 1 },
  { file: 'Pentax_K10D.jpg', quality: 3.9, priority: 2 },
].map((p) => ({ ...p, name: path.basename(p.file) }));

async function meanLuma(dataUrl: string): Promise<number> {
  const bytes = Buffer.from(dataUrl.replace(/^data:image\/jpeg;base64,/, ''), 'base64');
  const { channels } = await sharp(bytes).greyscale().stats();
  return channels[0]!.mean;
}

describe('preset priorities and previews through the engine', { skip: !hasPhotos && 'shared photos folder missing' }, () => {
  let dataDir: string;
  let photos: string;
  let engine: Engine;
  let call: (method: string, input: unknown) => ReturnType<typeof dispatch>;
  const ids = new Map<string, string>();

  before(async () => {
    dataDir = makeTempDir('presets-priority-data');
    photos = makeTempDir('presets-priority-photos');
    for (const p of PHOTOS) fs.copyFileSync(path.join(photosDir, 'jpg', p.file), path.join(photos, p.name));
    // One bulk CPU worker taking one job at a time: the order it writes in is the order the lane serves.
    engine = await startTestEngine(dataDir, { cpuConcurrency: 1 });
    const handlers = createHandlers(engine, new LibraryOperations(engine.store, engine.lanes, dataDir, null));
    call = (method, input) => dispatch(handlers, method, input);
    const summary = await engine.ingest([photos], { lane: 'default' });
    assert.equal(summary.completed, PHOTOS.length);
    const found = await engine.store.photos.getByPaths(PHOTOS.map((p) => path.join(photos, p.name)));
    for (const p of PHOTOS) ids.set(p.file, found.get(path.join(photos, p.name))!.id);
  });
  after(async () => {
    await engine?.stop();
    removeDir(dataDir);
    removeDir(photos);
  });

  it('queues a folder on the bulk lane by quality, and a person’s request on high_priority ahead of it', async () => {
    for (const p of PHOTOS) {
      const { changes } = await engine.store.sql.run(`UPDATE photo_results SET json = ? WHERE photo_id = ? AND stage = 'quality'`, [JSON.stringify({ score: p.quality }), ids.get(p.file)!]);
      assert.equal(changes, 1, `the quality result of ${p.file}`);
    }
    await engine.lanes.pause(['default']);
    const applied = await call('presets.applyFolder', { folder: photos });
    assert.equal(applied.ok, true, JSON.stringify(applied));
    assert.deepEqual((applied as { result: unknown }).result, { queued: 3, byPriority: { high: 1, medium: 1, low: 1 } });

    // Every job on the bulk lane, with the priority of its photo's band; none on high_priority.
    const bulk = engine.lanes.queue('cpu', 'default');
    const queued = await bulk.getJobs(['prioritized', 'waiting', 'paused'], 0, -1, true);
    const byPhoto = new Map(queued.filter((j) => j.name === 'presets.apply').map((j) => [(j.data as { photoId: string }).photoId, j.opts.priority]));
    for (const p of PHOTOS) assert.equal(byPhoto.get(ids.get(p.file)!), p.priority, `priority of ${p.file} (quality ${p.quality})`);
    assert.equal((await engine.lanes.queue('cpu', 'high_priority').getJobs(['prioritized', 'waiting', 'paused', 'active'])).filter((j) => j.name === 'presets.apply').length, 0);

    // A person asks for the low-quality photo: high_priority, written while the bulk lane is still held.
    const repo = new PhotoPresetsRepo(engine.store.sql);
    const low = ids.get('Canon_40D.jpg')!;
    const asked = await call('presets.apply', { photoIds: [low], presetId: 'builtin:portrait' });
    assert.equal(asked.ok, true, JSON.stringify(asked));
    await waitFor(async () => (await repo.lastSidecarWrite(low))?.presetId === 'builtin:portrait', 60_000, 'the requested sidecar');
    for (const p of PHOTOS.filter((x) => x.file !== 'Canon_40D.jpg')) assert.equal(await repo.lastSidecarWrite(ids.get(p.file)!), null, `${p.file} waits on the held bulk lane`);

    // Released, the bulk lane writes best quality first.
    await engine.lanes.resume(['default']);
    await waitFor(async () => (await repo.lastSidecarWrite(low))?.presetId !== 'builtin:portrait', 60_000, 'the bulk writes');
    const writes = await Promise.all(PHOTOS.map(async (p) => ({ ...p, at: (await repo.lastSidecarWrite(ids.get(p.file)!))!.writtenAt })));
    assert.deepEqual(writes.sort((a, b) => a.at.localeCompare(b.at)).map((w) => w.priority), [1, 2, 3]);
  });

  it('renders the editor’s preview in a worker: +1 EV is brighter than no preset, and bad requests say why', async (t) => {
    const photoId = ids.get('mobile/jolla.jpg')!; // 3264 × 2448: its cached preview is larger than the editor's 800 px
    const plain = await call('presets.preview', { photoId, settings: {} });
    const started = performance.now();
    const brighter = await call('presets.preview', { photoId, settings: { Exposure2012: '+1.00' } });
    const roundTrip = performance.now() - started;
    assert.equal(plain.ok && brighter.ok, true, JSON.stringify(!plain.ok ? plain : brighter));
    const a = (plain as { result: { image: string; width: number; height: number; ms: number } }).result;
    const b = (brighter as { result: { image: string; width: number; height: number } }).result;
    assert.equal(Math.max(a.width, a.height), 800);
    assert.deepEqual([b.width, b.height], [a.width, a.height]);
    const [la, lb] = [await meanLuma(a.image), await meanLuma(b.image)];
    assert.ok(lb > la + 10, `+1 EV mean luma ${lb.toFixed(1)} vs ${la.toFixed(1)}`);
    // Information only (speed is for benchmarks): the worker's render time and the whole call's.
    t.diagnostic(`preview ${b.width}×${b.height}: rendered in ${(brighter as { result: { ms: number } }).result.ms} ms by the worker, ${Math.round(roundTrip)} ms for the call`);
    // The worker's temp file is gone once the engine has read it.
    assert.deepEqual(fs.readdirSync(path.join(libraryPaths(dataDir).cacheDir, 'preset-previews')), []);

    const missing = await call('presets.preview', { photoId: 'nope', settings: {} });
    assert.equal(!missing.ok && missing.error.code, 'not-found');
    const badKey = await call('presets.preview', { photoId, settings: { 'not a key': '1' } });
    assert.equal(!badKey.ok && badKey.error.code, 'bad-request');
  });
});
