/**
 * Watch folders on a real engine (chokidar on a real folder, real photos, real workers): a photo copied
 * into a watched folder is analysed on its own, the watch survives an engine restart, a file changed in
 * place is analysed again, and unwatching stops the watcher. Then the CLI's watch/unwatch.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../src-main/engine/engine.js';
import { WatchRepo } from '../src-core/store/repos/watch-repo.js';
import { StageRunsRepo } from '../src-core/store/repos/stage-runs-repo.js';
import { runCli } from './helpers/cli.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { needsSharedPhotos, photosDir } from './helpers/photos.js';

const jpg = (name: string) => fs.readFileSync(path.join(photosDir, 'jpg', name));

describe('watch folders on a real engine', { skip: needsSharedPhotos }, () => {
  let dataDir: string;
  let watched: string;
  let engine: Engine;

  const photoAt = async (file: string) => (await engine.store.photos.getByPaths([file])).get(file);

  before(async () => {
    dataDir = makeTempDir('watch-data');
    watched = makeTempDir('watch-folder');
    engine = await startTestEngine(dataDir);
  });
  after(async () => {
    await engine?.stop();
    removeDir(dataDir);
    removeDir(watched);
  });

  it('analyses a photo copied into a watched folder, on its own', async () => {
    await new WatchRepo(engine.store.sql).add(watched);
    await engine.watcher!.reconcile();
    assert.deepEqual(engine.watcher!.watching(), [watched]);
    const file = path.join(watched, 'new trip', 'first.jpg');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, jpg('Nikon_D70.jpg'));
    await waitFor(async () => (await photoAt(file))?.state === 'done', 3 * 60_000, 'the copied photo analysed');
  });

  it('keeps watching after a restart, and analyses a file changed in place again', async () => {
    await engine.stop();
    engine = await startTestEngine(dataDir);
    assert.deepEqual(engine.watcher!.watching(), [watched]);
    const second = path.join(watched, 'second.jpg');
    fs.writeFileSync(second, jpg('Pentax_K10D.jpg'));
    await waitFor(async () => (await photoAt(second))?.state === 'done', 3 * 60_000, 'a photo added after the restart analysed');

    const first = path.join(watched, 'new trip', 'first.jpg');
    fs.writeFileSync(first, jpg('Canon_40D.jpg'));
    await waitFor(async () => {
      const photo = await photoAt(first);
      return photo?.revision === 1 && photo.state === 'done';
    }, 3 * 60_000, 'the changed photo analysed again');
    const [watch] = await new WatchRepo(engine.store.sql).list();
    assert.deepEqual([watch?.mode, watch?.note], ['events', null]);
  });

  it('a folder of analysed photos moved inside the watched root is re-linked, not analysed again', async () => {
    const stageRuns = new StageRunsRepo(engine.store.sql);
    const before = await engine.store.photos.list({ limit: 100, offset: 0 });
    const runsBefore = new Map(await Promise.all(before.map(async (p) => [p.id, (await stageRuns.listForPhoto(p.id)).length] as const)));
    const oldPath = path.join(watched, 'new trip', 'first.jpg');
    const id = (await photoAt(oldPath))!.id;
    fs.mkdirSync(path.join(watched, 'sorted'));
    fs.renameSync(path.join(watched, 'new trip'), path.join(watched, 'sorted', 'trip 2024'));
    const newPath = path.join(watched, 'sorted', 'trip 2024', 'first.jpg');
    await waitFor(async () => (await engine.store.photos.get(id))?.path === newPath, 60_000, 'the moved photo re-linked');
    const after = await engine.store.photos.list({ limit: 100, offset: 0 });
    assert.equal(after.length, before.length, 'no new photo for the moved file');
    for (const p of after) assert.equal((await stageRuns.listForPhoto(p.id)).length, runsBefore.get(p.id), `${p.path}: no stage ran again`);
    assert.equal((await engine.store.photos.get(id))!.state, 'done');
  });

  it('stops watching a folder removed from the list', async () => {
    assert.equal(await new WatchRepo(engine.store.sql).remove(watched), true);
    await engine.watcher!.reconcile();
    assert.deepEqual(engine.watcher!.watching(), []);
  });
});

describe('shoebox watch / unwatch (CLI)', () => {
  let dataDir: string;
  let folder: string;
  before(() => {
    dataDir = makeTempDir('watch-cli');
    folder = makeTempDir('watch-cli-folder');
  });
  after(() => {
    removeDir(dataDir);
    removeDir(folder);
  });

  it('adds, lists and removes a watched folder, and refuses what is not a folder', async () => {
    const added = await runCli(['watch', folder, '--data', dataDir]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /^watching /);
    const listed = await runCli(['watch', '--data', dataDir, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as Array<{ path: string; mode: string }>).map((w) => [w.path, w.mode]), [[folder, 'events']]);
    const notFolder = await runCli(['watch', path.join(folder, 'absent'), '--data', dataDir]);
    assert.equal(notFolder.code, 2);
    assert.match(notFolder.stderr, /absent is not a folder/);
    assert.equal((await runCli(['unwatch', folder, '--data', dataDir])).code, 0);
    const again = await runCli(['unwatch', folder, '--data', dataDir]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /is not watched/);
  });
});
