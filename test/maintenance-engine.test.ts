/**
 * The maintenance lane end to end (issue 18): a real engine (its own redis-server, forked workers, real
 * models, SQLite) analyses real photos; then the library is reorganised on disk and the library check
 * runs as a maintenance job. The `stage_runs` table proves what ran: moved photos are re-linked with
 * no stage run again, a deleted one is marked missing, a replaced one is analysed again. The cleanup
 * job then removes the cache files no photo uses, and both runs are recorded with their results.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../src-main/engine/engine.js';
import { runMaintenanceNow, scheduleMaintenance } from '../src-main/engine/maintenance/maintenance-jobs.js';
import type { LibraryCheckResult } from '../src-core/maintenance/library-check.js';
import type { CacheCleanupResult } from '../src-core/maintenance/cache-cleanup.js';
import { MetricsRepo } from '../src-core/store/repos/metrics-repo.js';
import { MaintenanceRepo } from '../src-core/store/repos/maintenance-repo.js';
import { StageRunsRepo } from '../src-core/store/repos/stage-runs-repo.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { needsSharedPhotos, photosDir } from './helpers/photos.js';

const jpg = (name: string) => path.join(photosDir, 'jpg', name);
const copy = (from: string, to: string) => {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, fs.readFileSync(from));
};

describe('maintenance lane on a real engine', { skip: needsSharedPhotos }, () => {
  let dataDir: string;
  let lib: string;
  let engine: Engine;
  const trip = ['Konica_Minolta_DiMAGE_Z3.jpg', 'Kodak_CX7530.jpg', 'Nikon_D70.jpg'];
  let runsBefore: Map<string, number>;
  let ids: Map<string, string>;

  before(async () => {
    dataDir = makeTempDir('maint-data');
    lib = makeTempDir('maint-lib');
    for (const name of trip) copy(jpg(name), path.join(lib, 'trip', name));
    copy(jpg('Pentax_K10D.jpg'), path.join(lib, 'keep', 'replaced.jpg'));
    copy(jpg('Nikon_COOLPIX_P1.jpg'), path.join(lib, 'keep', 'deleted.jpg'));
    engine = await startTestEngine(dataDir);
    const summary = await engine.ingest([lib]);
    assert.equal(summary.completed, 5, JSON.stringify(summary));
    const photos = await engine.store.photos.list({ limit: 100, offset: 0 });
    ids = new Map(photos.map((p) => [path.relative(lib, p.path), p.id]));
    const stageRuns = new StageRunsRepo(engine.store.sql);
    runsBefore = new Map(await Promise.all(photos.map(async (p) => [p.id, (await stageRuns.listForPhoto(p.id)).length] as const)));
    for (const p of photos) assert.ok(runsBefore.get(p.id)! > 0, `${p.path} ran its stages`);
  });
  after(async () => {
    await engine?.stop();
    removeDir(dataDir);
    removeDir(lib);
  });

  it('registers the scheduled maintenance jobs on the maintenance lane', async () => {
    const schedulers = await engine.lanes.queue('cpu', 'maintenance').getJobSchedulers();
    assert.deepEqual(schedulers.map((s) => s.key).sort(), ['maintenance-cleanup', 'maintenance-index-maintenance', 'maintenance-library-check']);
  });

  it('library check: moved → re-linked without re-analysis, deleted → missing, replaced → analysed again', async () => {
    fs.mkdirSync(path.join(lib, 'sorted'), { recursive: true });
    fs.renameSync(path.join(lib, 'trip'), path.join(lib, 'sorted', '2024 trip'));
    fs.renameSync(path.join(lib, 'sorted', '2024 trip', 'Nikon_D70.jpg'), path.join(lib, 'sorted', '2024 trip', 'renamed.jpg'));
    fs.rmSync(path.join(lib, 'keep', 'deleted.jpg'));
    fs.rmSync(path.join(lib, 'keep', 'replaced.jpg'));
    copy(jpg('Canon_40D.jpg'), path.join(lib, 'keep', 'replaced.jpg'));

    const result = (await runMaintenanceNow(engine.lanes, 'library-check')) as LibraryCheckResult;
    assert.equal(result.checked, 5);
    assert.equal(result.relinked, 3);
    assert.equal(result.missing, 1);
    assert.equal(result.reanalysed, 1);

    const replacedId = ids.get(path.join('keep', 'replaced.jpg'))!;
    await waitFor(async () => (await engine.store.photos.get(replacedId))?.state === 'done', 5 * 60_000, 'the replaced photo analysed again');
    const stageRuns = new StageRunsRepo(engine.store.sql);
    const expectedPaths: Record<string, string> = {
      'trip/Konica_Minolta_DiMAGE_Z3.jpg': 'sorted/2024 trip/Konica_Minolta_DiMAGE_Z3.jpg',
      'trip/Kodak_CX7530.jpg': 'sorted/2024 trip/Kodak_CX7530.jpg',
      'trip/Nikon_D70.jpg': 'sorted/2024 trip/renamed.jpg',
    };
    for (const [was, now] of Object.entries(expectedPaths)) {
      const id = ids.get(was)!;
      const photo = (await engine.store.photos.get(id))!;
      assert.equal(photo.path, path.join(lib, now), `${was} followed its file`);
      assert.equal(photo.revision, 0);
      assert.equal(photo.state, 'done');
      assert.equal((await stageRuns.listForPhoto(id)).length, runsBefore.get(id), `${was}: no stage ran again`);
    }
    const replaced = (await engine.store.photos.get(replacedId))!;
    assert.equal(replaced.revision, 1);
    const replacedRuns = await stageRuns.listForPhoto(replacedId);
    assert.ok(replacedRuns.some((run) => run.revision === 1 && run.stage === 'preprocess' && run.outcome === 'done'), 'the replaced photo was preprocessed again');
    assert.ok(replacedRuns.some((run) => run.revision === 1 && run.stage === 'persist'), 'and went through the whole pipeline');

    const deletedId = ids.get(path.join('keep', 'deleted.jpg'))!;
    const repo = new MaintenanceRepo(engine.store.sql);
    assert.deepEqual((await repo.listMissing()).map((m) => m.photoId), [deletedId]);
    const deleted = await engine.store.photos.getDetail(deletedId);
    assert.equal(deleted?.state, 'done', 'a missing photo stays in the library');
    assert.equal((await stageRuns.listForPhoto(deletedId)).length, runsBefore.get(deletedId));
  });

  it('cleanup removes only the cache files no photo uses and reports the space freed', async () => {
    const cacheDir = path.join(dataDir, 'cache');
    const old = (Date.now() - 2 * 3600_000) / 1000;
    const orphans = ['thumbs/00/orphan-a.jpg', 'previews/00/orphan-a.jpg', 'previews/ff/orphan-b.jpg'];
    for (const rel of orphans) copy(jpg('Sony_HDR-HC3.jpg'), path.join(cacheDir, rel));
    // Everything in the cache is "old", so only the grace period cannot be what keeps a file.
    const all: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else all.push(full);
      }
    };
    for (const d of ['thumbs', 'previews']) walk(path.join(cacheDir, d));
    for (const file of all) fs.utimesSync(file, old, old);
    const referenced = await new MaintenanceRepo(engine.store.sql).referencedDerivatives();
    const unreferenced = all.filter((f) => !referenced.has(path.relative(cacheDir, f).split(path.sep).join('/')));
    // The planted orphans plus the replaced photo's old thumbnail and preview.
    assert.equal(unreferenced.length, orphans.length + 2);
    const bytes = unreferenced.reduce((sum, f) => sum + fs.statSync(f).size, 0);

    // Records past their retention: a stage run that ended 40 days ago, metric buckets of last month,
    // a log file no process has written for 20 days; and their recent counterparts, which stay.
    const stageRuns = new StageRunsRepo(engine.store.sql);
    const longAgo = new Date(Date.now() - 40 * 24 * 3600_000);
    const oldRun = await stageRuns.start({ photoId: 'gone-photo', revision: 0, stage: 'preprocess', attempt: 1, jobId: null, workerId: 'cpu-9' }, longAgo);
    await stageRuns.finish(oldRun, 'done', null, longAgo);
    const runsBefore = await stageRuns.count();
    const metrics = new MetricsRepo(engine.store.sql);
    await metrics.record(longAgo.getTime(), { counts: { 'done.preprocess': 3 }, gauges: { cpu: 50 } });
    await metrics.record(Date.now(), { counts: { 'done.preprocess': 1 }, gauges: { cpu: 20 } });
    const bucketsBefore = await metrics.count();
    const logsDir = path.join(dataDir, 'logs');
    const oldLog = path.join(logsDir, 'remote-workers-12345.log');
    fs.writeFileSync(oldLog, 'a worker machine that ran last month\n'.repeat(100));
    const twentyDays = (Date.now() - 20 * 24 * 3600_000) / 1000;
    fs.utimesSync(oldLog, twentyDays, twentyDays);
    const logBytes = fs.statSync(oldLog).size;

    const result = (await runMaintenanceNow(engine.lanes, 'cleanup')) as CacheCleanupResult & Record<string, number>;
    assert.equal(result.removed, unreferenced.length);
    assert.equal(result.bytesFreed, bytes + logBytes, 'space freed: derivatives and logs');
    assert.equal(result.removedStageRuns, 1);
    assert.equal(await stageRuns.count(), runsBefore - 1, 'only the stage run past its retention');
    assert.equal(result.removedMetricBuckets, 2, "last month's minute and quarter-hour buckets");
    assert.equal(await metrics.count(), bucketsBefore - 2);
    assert.equal(result.removedLogs, 1);
    assert.ok(!fs.existsSync(oldLog));
    assert.ok(fs.existsSync(path.join(logsDir, 'engine.log')), 'the live log stays');
    for (const f of unreferenced) assert.ok(!fs.existsSync(f), `${f} removed`);
    for (const rel of referenced) assert.ok(fs.existsSync(path.join(cacheDir, rel)), `${rel} kept`);
  });

  it('a job scheduler on the maintenance lane runs its task on its own, and again', async () => {
    const repo = new MaintenanceRepo(engine.store.sql);
    const queue = engine.lanes.queue('cpu', 'maintenance');
    const [scheduled] = await scheduleMaintenance(queue, repo, { schedule: { 'prune-cache': 1000 }, firstRunDelayMs: 0 });
    assert.equal(scheduled?.task, 'prune-cache');
    const firstRun = async () => (await repo.lastRuns()).find((r) => r.task === 'prune-cache');
    await waitFor(async () => (await firstRun()) !== undefined, 60_000, 'the scheduled prune-cache run');
    const first = (await firstRun())!;
    assert.equal(first.ok, true);
    assert.deepEqual(first.result, { removedTempFiles: 0 });
    await waitFor(async () => (await firstRun())!.finishedAt > first.finishedAt, 60_000, 'the next scheduled run');
    assert.equal(await queue.removeJobScheduler('maintenance-prune-cache'), true);
  });

  it('index maintenance runs, and every run is recorded with its duration and result', async () => {
    const result = (await runMaintenanceNow(engine.lanes, 'index-maintenance')) as { store: string; statements: string[] };
    assert.deepEqual(result, { store: 'sqlite', statements: ['PRAGMA optimize', 'ANALYZE'] });
    const runs = await new MaintenanceRepo(engine.store.sql).lastRuns();
    assert.deepEqual(runs.map((r) => [r.task, r.ok]), [['cleanup', true], ['index-maintenance', true], ['library-check', true], ['prune-cache', true]]);
    assert.equal((runs.find((r) => r.task === 'library-check')!.result as LibraryCheckResult).relinked, 3);
  });
});
