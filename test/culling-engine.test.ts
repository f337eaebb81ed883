/**
 * Culling through a real engine (its redis-server, forked workers, SQLite): real photos analysed, the
 * `group` jobs group them, `shoebox groups --json` prints them in the agreed shape, `pick`/`reject`
 * record the person's decisions; and a worker killed in the middle of a group write leaves no half group.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { GroupsRepo } from '../src-core/store/repos/groups-repo.js';
import { PhotoPresetsRepo } from '../src-core/store/repos/photo-presets-repo.js';
import { createCullingHandlers } from '../src-main/engine/api/culling-handlers.js';
import { dispatch, type Handlers } from '../src-main/engine/api/dispatch.js';
import type { Engine } from '../src-main/engine/engine.js';
import { sweep } from '../src-main/engine/sweep.js';
import { runCli } from './helpers/cli.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { photo } from './helpers/photos.js';

/** source + 2 copies (a duplicate group), a mirror, a 3-frame burst 0.4 s apart, an unrelated photo. */
async function makeSet(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const src = fs.readFileSync(photo('jpg', 'exif-org', 'nikon-e950.jpg'));
  const { width = 0, height = 0 } = await sharp(src).metadata();
  fs.writeFileSync(path.join(dir, 'source.jpg'), src);
  fs.writeFileSync(path.join(dir, 'half.jpg'), await sharp(src).resize(Math.round(width / 2)).keepMetadata().jpeg({ quality: 85 }).toBuffer());
  fs.writeFileSync(path.join(dir, 'q55.webp'), await sharp(src).keepMetadata().webp({ quality: 55 }).toBuffer());
  fs.writeFileSync(path.join(dir, 'mirror.jpg'), await sharp(src).flop().keepMetadata().jpeg().toBuffer());
  for (let k = 0; k < 3; k++) {
    const file = path.join(dir, `burst${k}.jpg`);
    let frame = sharp(src).extract({ left: Math.round(width * 0.025 * k), top: 0, width: Math.round(width * 0.85), height: Math.round(height * 0.85) });
    if (k === 1) frame = sharp(await frame.toBuffer()).blur(4);
    fs.writeFileSync(file, await frame.jpeg().toBuffer());
    execFileSync('exiftool', ['-q', '-overwrite_original', '-DateTimeOriginal=2021:06:01 10:00:00', `-SubSecTimeOriginal=${k * 4}`, '-Make=TestCam', '-Model=T1', file]);
  }
  fs.copyFileSync(photo('jpg', 'exif-org', 'fujifilm-dx10.jpg'), path.join(dir, 'other.jpg'));
}

interface CliGroups {
  groups: { id: string; kind: 'duplicate' | 'burst'; photos: { path: string; pick: boolean; score: number; reasons: string[] }[] }[];
}

describe('culling through a real engine', () => {
  const root = makeTempDir('cull-engine');
  const dataDir = path.join(root, 'library');
  const setDir = path.join(root, 'set');
  const pauseDir = path.join(root, 'pause');
  let engine: Engine;

  before(async () => {
    await makeSet(setDir);
    fs.mkdirSync(pauseDir);
    process.env.SHOEBOX_TEST_GROUP_PAUSE_DIR = pauseDir;
    engine = await startTestEngine(dataDir);
  });
  after(async () => {
    delete process.env.SHOEBOX_TEST_GROUP_PAUSE_DIR;
    await engine?.stop();
    removeDir(root);
  });

  it('a worker killed in the middle of a group write leaves no half group, and the job is done again', async () => {
    const ingest = engine.ingest([setDir], { lane: 'default' });
    // The first group job to write pauses inside its transaction: kill its worker there.
    await waitFor(() => fs.readdirSync(pauseDir).some((f) => /^paused-\d+$/.test(f)), 10 * 60_000, 'a group job paused inside its transaction');
    const pid = Number(fs.readdirSync(pauseDir).find((f) => /^paused-\d+$/.test(f))!.slice('paused-'.length));
    const repo = new GroupsRepo(engine.store.sql);
    process.kill(pid, 'SIGKILL');
    // Whatever is visible now is whole: every group has ≥ 2 photos and exactly one pick.
    for (const g of await repo.listGroups({ limit: 100 })) {
      assert.ok(g.members.length >= 2, `group ${g.id} has ${g.members.length} photo(s)`);
      assert.equal(g.members.filter((m) => m.machinePick).length, 1);
    }
    assert.equal(await repo.countGroups(), (await repo.listGroups({ limit: 100 })).length, 'no group row without its members');
    const summary = await ingest;
    assert.equal(summary.failed, 0);
    await waitFor(async () => (await engine.lanes.pendingJobCount()) === 0, 5 * 60_000, 'the group jobs (the killed one retried)');
    const groups = await repo.listGroups({ limit: 100 });
    const names = groups.map((g) => [g.kind, g.members.map((m) => path.basename(m.path)).sort()]).sort();
    assert.deepEqual(names, [
      ['burst', ['burst0.jpg', 'burst1.jpg', 'burst2.jpg']],
      ['duplicate', ['half.jpg', 'q55.webp', 'source.jpg']],
    ]);
    for (const g of groups) assert.equal(g.members.filter((m) => m.machinePick).length, 1, 'one pick per group');
  });

  it('shoebox groups --json prints the agreed shape; the blurred frame is not the pick and says why', async () => {
    const result = await runCli(['groups', '--json', '--data', dataDir]);
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as CliGroups;
    assert.deepEqual(Object.keys(parsed), ['groups']);
    for (const g of parsed.groups) {
      assert.deepEqual(Object.keys(g), ['id', 'kind', 'photos']);
      assert.ok(g.photos.length >= 2);
      for (const p of g.photos) assert.deepEqual(Object.keys(p), ['path', 'pick', 'score', 'reasons']);
    }
    const burst = parsed.groups.find((g) => g.kind === 'burst')!;
    const blurred = burst.photos.find((p) => p.path.endsWith('burst1.jpg'))!;
    assert.equal(blurred.pick, false);
    assert.ok(blurred.reasons.some((r) => /blur|softer/.test(r)), blurred.reasons.join());
    const only = JSON.parse((await runCli(['groups', '--json', '--kind', 'duplicate', '--data', dataDir])).stdout) as CliGroups;
    assert.deepEqual(only.groups.map((g) => g.kind), ['duplicate']);
    assert.ok(!only.groups[0]!.photos.some((p) => p.path.endsWith('mirror.jpg')), 'the mirror image is not a duplicate');
  });

  it('the API: groups with counts, pick then undo, clear errors for bad input', async () => {
    const handlers = createCullingHandlers(engine.store, engine.lanes) as Handlers;
    const call = (method: string, input: unknown) => dispatch(handlers, method, input);
    const listed = (await call('culling.groups', { kind: 'burst' })) as { ok: true; result: { groups: { photos: { photoId: string; pick: boolean; faces: unknown[] }[] }[]; counts: { burst: number; toReview: number } } };
    assert.equal(listed.ok, true);
    assert.equal(listed.result.counts.burst, 1);
    const frames = listed.result.groups[0]!.photos;
    const other = frames.find((p) => !p.pick)!;
    const picked = (await call('culling.pick', { photoId: other.photoId })) as { ok: true; result: { previous: { photoId: string; picked: boolean }[] } };
    let after = (await call('culling.groups', { kind: 'burst' })) as typeof listed;
    assert.deepEqual(after.result.groups[0]!.photos.filter((p) => p.pick).map((p) => p.photoId), [other.photoId]);
    await call('culling.restore', { decisions: picked.result.previous });
    after = (await call('culling.groups', { kind: 'burst' })) as typeof listed;
    assert.deepEqual(after.result.groups[0]!.photos.filter((p) => p.pick).map((p) => p.photoId), frames.filter((p) => p.pick).map((p) => p.photoId), 'undo restores the machine pick');
    // A reject in culling is the Library's reject (rating −1) and reaches the photo's XMP sidecar, as Lightroom reads it.
    const rejectedPhoto = (await engine.store.photos.get(other.photoId))!;
    const sidecar = rejectedPhoto.path.replace(/\.[^.]+$/, '.xmp');
    const rejected = (await call('culling.reject', { photoId: other.photoId })) as { ok: true; result: { previous: { photoId: string; picked: boolean; rejected: boolean; rating: number | null }[] } };
    assert.equal(rejected.ok, true);
    assert.equal((await new PhotoPresetsRepo(engine.store.sql).marks(other.photoId))?.rating, -1, "the Library's mark is the reject");
    await waitFor(() => fs.existsSync(sidecar) && /Rating(="|>)-1/.test(fs.readFileSync(sidecar, 'utf8')), 60_000, 'the reject in the sidecar');
    await call('culling.restore', { decisions: rejected.result.previous });
    await waitFor(() => !/Rating/.test(fs.readFileSync(sidecar, 'utf8')), 60_000, 'the undo to clear the rating from the sidecar');
    const bad = (await call('culling.groups', { kind: 'mirror' })) as { ok: false; error: { code: string; message: string } };
    assert.equal(bad.ok, false);
    assert.equal(bad.error.code, 'bad-request');
    const missing = (await call('culling.pick', { photoId: 'no-such-photo' })) as { ok: false; error: { code: string; message: string } };
    assert.equal(missing.error.code, 'not-found');
    const [dup, burst] = [(await call('culling.groups', { kind: 'duplicate' })) as typeof listed, after].map((r) => (r.result.groups[0] as unknown as { id: string }).id);
    const mixed = (await call('culling.merge', { intoGroupId: dup, fromGroupId: burst })) as { ok: false; error: { code: string; message: string } };
    assert.equal(mixed.error.code, 'bad-request');
    assert.match(mixed.error.message, /cannot be merged/);
  });

  it('shoebox pick / reject record the person’s decisions; an unknown photo is a clear error', async () => {
    const half = path.join(setDir, 'half.jpg');
    assert.equal((await runCli(['pick', half, '--data', dataDir])).code, 0);
    assert.equal((await runCli(['reject', path.join(setDir, 'source.jpg'), '--data', dataDir])).code, 0);
    const parsed = JSON.parse((await runCli(['groups', '--json', '--kind', 'duplicate', '--data', dataDir])).stdout) as CliGroups;
    assert.deepEqual(parsed.groups[0]!.photos.filter((p) => p.pick).map((p) => path.basename(p.path)), ['half.jpg']);
    const missing = await runCli(['pick', path.join(setDir, 'nope.jpg'), '--data', dataDir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no photo .*nope\.jpg.* in the library/);
    assert.ok(fs.existsSync(path.join(setDir, 'source.jpg')), 'a rejected photo stays on disk');
    assert.match(fs.readFileSync(path.join(setDir, 'source.xmp'), 'utf8'), /Rating(="|>)-1/, "the reject is in the photo's sidecar");
  });

  it('a group job lost with Redis (the photo analysed, never placed) is queued again by the sweep', async () => {
    const repo = new GroupsRepo(engine.store.sql);
    const half = (await repo.photoIdByPath(path.join(setDir, 'half.jpg')))!;
    // What a Redis that lost its last second leaves: the photo done, its group job gone before it ran.
    await repo.removeMember(half, 'duplicate');
    await engine.store.sql.run('DELETE FROM cull_grouped WHERE photo_id = ?', [half]);
    assert.deepEqual((await repo.membershipsOf([half], 'duplicate')).length, 0);
    const swept = await sweep(engine.store, engine.lanes, engine.log);
    assert.equal(swept.regrouped, 1, JSON.stringify(swept));
    await waitFor(async () => (await repo.membershipsOf([half], 'duplicate')).length === 1, 2 * 60_000, 'half.jpg back in its duplicate group');
    assert.equal((await sweep(engine.store, engine.lanes, engine.log)).regrouped, 0, 'placed once, not again');
  });
});
