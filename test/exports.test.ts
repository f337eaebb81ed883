/**
 * Exports (issue 16) without a queue: name templates and target-folder safety (pure), then on both stores
 * the export record and its items, the export.photo job writing real files from real originals with
 * temp + no-clobber placement, a crash-resumed item recognised by its hash, a foreign file left alone,
 * a symlink escape refused, a vanished original failing with its reason, and a full disk (a 1 MiB tmpfs)
 * pausing the export with "disk full".
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { renderNameTemplate, safeNamePart, uniqueFileName, validateNameTemplate, NameTemplateError } from '../src-core/export/name-template.js';
import { checkWritable, fileInside, prepareTargetFolder, TargetFolderError } from '../src-core/export/target-folder.js';
import { createExport, ExportRequestError, priorityFromQuality } from '../src-core/export/plan-export.js';
import { ExportsRepo } from '../src-core/store/repos/exports-repo.js';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { closeExportExiftool } from '../src-worker/export/export-metadata.js';
import { runExportPhoto, type ExportPhotoDeps } from '../src-worker/export/export-photo.js';
import { setBulkHeld, waitWhileBulkHeld } from '../src-worker/bulk-hold.js';
import { needsSharedPhotos, photosDir } from './helpers/photos.js';
import { storeBackends } from './helpers/store-backends.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'shoebox-exports-'));
after(async () => {
  await closeExportExiftool();
  rmSync(scratch, { recursive: true, force: true });
});

const facts = { originalPath: '/p/IMG_0001.CR2', takenAt: '2024-07-14T18:03:09', make: 'Canon', model: 'Canon EOS R5', seq: 7, total: 120 };

describe('export names (pure)', () => {
  it('renders {name}, {date:…}, {camera}, {seq} and pads seq to the export size', () => {
    assert.equal(renderNameTemplate('{name}', facts), 'IMG_0001');
    assert.equal(renderNameTemplate('{date:YYYY-MM-DD}_{seq}', facts), '2024-07-14_007');
    assert.equal(renderNameTemplate('{date:YYYYMMDD-HHmmss} {camera} {seq:5}', facts), '20240714-180309 Canon EOS R5 00007');
    assert.equal(renderNameTemplate('{camera}', { ...facts, make: 'NIKON', model: 'E950' }), 'NIKON E950');
    assert.equal(renderNameTemplate('{date}-{camera}', { ...facts, takenAt: null, make: null, model: null }), 'undated-unknown-camera');
  });

  it('never yields separators or dot names, whatever the template or original name', () => {
    assert.equal(renderNameTemplate('../../{name}', facts), '_.._IMG_0001');
    assert.equal(renderNameTemplate('{name}', { ...facts, originalPath: '/p/..hidden.jpg' }), 'hidden');
    assert.equal(safeNamePart('a/b\\c:d*e?f"g<h>i|j'), 'a_b_c_d_e_f_g_h_i_j');
    assert.equal(safeNamePart('...'), 'photo');
  });

  it('refuses unknown tokens and unmatched braces with a clear message', () => {
    assert.throws(() => validateNameTemplate('{nme}'), (e: unknown) => e instanceof NameTemplateError && /unknown name template token \{nme\}/.test(e.message));
    assert.throws(() => validateNameTemplate('{name'), /unmatched brace/);
    assert.throws(() => validateNameTemplate('{seq:x}'), /width/);
  });

  it('makes names unique, case-insensitively', () => {
    const taken = new Set(['img.jpg']);
    assert.equal(uniqueFileName('IMG', 'jpg', taken), 'IMG (2).jpg');
    assert.equal(uniqueFileName('img', 'jpg', taken), 'img (3).jpg');
    assert.equal(uniqueFileName('other', 'jpg', taken), 'other.jpg');
  });

  it('orders by quality as the design says', () => {
    assert.deepEqual([4.7, 4.5, 4.0, 3.4, null].map(priorityFromQuality), [1, 1, 2, 3, 3]);
  });
});

describe('bulk hold (pure)', () => {
  it('passes at once when not held, waits until released, and never longer than its bound', async () => {
    const t0 = performance.now();
    await waitWhileBulkHeld(5_000);
    assert.ok(performance.now() - t0 < 50);
    setBulkHeld(true);
    let released = false;
    const waiting = waitWhileBulkHeld(5_000).then(() => (released = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(released, false);
    setBulkHeld(false);
    await waiting;
    setBulkHeld(true);
    const t1 = performance.now();
    await waitWhileBulkHeld(150);
    assert.ok(performance.now() - t1 >= 140, 'a wait is bounded, not skipped');
    setBulkHeld(false);
  });
});

describe('target folder safety', () => {
  it('refuses relative folders, "..", and names that would leave the folder', async () => {
    await assert.rejects(prepareTargetFolder('relative/dir'), /absolute/);
    await assert.rejects(prepareTargetFolder(`${scratch}/a/../b`), /may not contain/);
    const real = await prepareTargetFolder(path.join(scratch, 'target-a'));
    for (const bad of ['../x.jpg', 'a/b.jpg', '..', '.', '', 'a\\b.jpg']) {
      assert.throws(() => fileInside(real, bad), TargetFolderError, bad);
    }
    assert.equal(fileInside(real, 'ok.jpg'), path.join(real, 'ok.jpg'));
  });

  it('refuses a target folder swapped for a symlink elsewhere, and a symlink at the final name', async () => {
    const real = await prepareTargetFolder(path.join(scratch, 'target-b'));
    const elsewhere = path.join(scratch, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(path.join(elsewhere, 'victim.jpg'), path.join(real, 'link.jpg'));
    await assert.rejects(checkWritable(real, 'link.jpg'), /symlink/);
    renameSync(real, `${real}-moved`);
    symlinkSync(elsewhere, real);
    await assert.rejects(checkWritable(real, 'x.jpg'), /symlink escape/);
    assert.deepEqual(readdirSync(elsewhere), []);
  });
});

/** Registers real photo files as library photos with metadata, quality and tags. */
async function addPhotos(store: Store, files: Array<{ id: string; file: string; quality: number; tags: string[] }>): Promise<void> {
  await store.ingests.registerFiles('ing', files.map((f) => ({ kind: 'new' as const, photoId: f.id, path: f.file, size: 1, mtimeMs: 1 })));
  for (const f of files) {
    await store.progress.saveMetadata(f.id, 0, {
      takenAt: '2021-03-04T05:06:07', make: 'NIKON', model: 'COOLPIX P6000', lens: null, orientation: 1, width: 640, height: 480,
      iso: null, exposureTime: null, fNumber: null, focalLength: null, gps: null, rating: null, keywords: [],
    });
    await store.progress.saveResult(f.id, 0, 'quality', { score: f.quality, parts: {} });
    await store.progress.saveResult(f.id, 0, 'tag', { tags: f.tags });
  }
}

for (const backend of storeBackends()) {
  describe(`exports: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : needsSharedPhotos }, () => {
    let store: Store;
    let repo: ExportsRepo;
    let deps: ExportPhotoDeps;
    const originals = path.join(scratch, `originals-${backend.name}`);
    const gps = path.join(photosDir, 'jpg', 'gps');

    before(async () => {
      store = await openStore(await backend.setup());
      repo = new ExportsRepo(store.sql);
      deps = { exports: repo, presetSettings: async (id) => (id === 'p:bright' ? { Exposure2012: '+1.00' } : null) };
      mkdirSync(originals, { recursive: true });
      for (const name of ['DSCN0010.jpg', 'DSCN0012.jpg', 'DSCN0021.jpg']) copyFileSync(path.join(gps, name), path.join(originals, name));
      await store.ingests.create('ing', [originals]);
      await addPhotos(store, [
        { id: 'a', file: path.join(originals, 'DSCN0010.jpg'), quality: 3.0, tags: ['beach'] },
        { id: 'b', file: path.join(originals, 'DSCN0012.jpg'), quality: 4.8, tags: [] },
        { id: 'c', file: path.join(originals, 'DSCN0021.jpg'), quality: 4.0, tags: ['street', 'night'] },
      ]);
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
    });

    it('creates an export with names, priorities, keywords; refuses bad requests with reasons', async () => {
      const target = path.join(scratch, `out-${backend.name}-1`);
      mkdirSync(target);
      writeFileSync(path.join(target, 'DSCN0010.jpg'), 'a file that was there before');
      const exp = await createExport(repo, { photoIds: ['a', 'b', 'c', 'zz'], targetDir: target, options: { longEdge: 320 } });
      assert.equal(exp.total, 3);
      assert.equal(exp.state, 'running');
      const items = await repo.items(exp.id);
      assert.deepEqual(items.map((i) => [i.photoId, i.fileName, i.priority]), [
        ['a', 'DSCN0010 (2).jpg', 3],
        ['b', 'DSCN0012.jpg', 1],
        ['c', 'DSCN0021.jpg', 2],
      ]);
      assert.deepEqual(items[2]!.keywords, ['street', 'night']);
      await assert.rejects(createExport(repo, { photoIds: [], targetDir: target, options: {} }), ExportRequestError);
      await assert.rejects(createExport(repo, { photoIds: ['a'], targetDir: target, options: { nameTemplate: '{nope}' } }), /unknown name template token/);
      await assert.rejects(createExport(repo, { photoIds: ['a'], targetDir: target, options: { quality: 0 } as never }), /quality/);
      await assert.rejects(createExport(repo, { photoIds: ['zz'], targetDir: target, options: {} }), /none of the selected photos/);
    });

    it('writes every file once through the job, leaves no temp file, finishes the export', async () => {
      const target = path.join(scratch, `out-${backend.name}-2`);
      const exp = await createExport(repo, { photoIds: ['a', 'b', 'c'], targetDir: target, options: { longEdge: 320, presetId: 'p:bright', nameTemplate: '{date:YYYY-MM-DD}_{seq}' } });
      for (const item of await repo.items(exp.id)) {
        const r = await runExportPhoto({ exportId: exp.id, seq: item.seq }, deps);
        assert.equal(r.outcome, 'done', JSON.stringify(r));
      }
      assert.deepEqual(readdirSync(target).sort(), ['2021-03-04_1.jpg', '2021-03-04_2.jpg', '2021-03-04_3.jpg']);
      for (const name of readdirSync(target)) {
        const meta = await sharp(path.join(target, name)).metadata();
        assert.equal(Math.max(meta.width!, meta.height!), 320);
      }
      const done = (await repo.get(exp.id))!;
      assert.equal(done.state, 'done');
      assert.equal(done.done, 3);
      // A second run of a finished item does nothing.
      assert.equal((await runExportPhoto({ exportId: exp.id, seq: 0 }, deps)).outcome, 'skipped');
    });

    it('renders nothing while a person\'s request holds the bulk worker, then finishes once released', async () => {
      const target = path.join(scratch, `out-${backend.name}-held`);
      const exp = await createExport(repo, { photoIds: ['a'], targetDir: target, options: { longEdge: 320 } });
      let waits = 0;
      const held: ExportPhotoDeps = { ...deps, yieldToPerson: () => (waits++, waitWhileBulkHeld(60_000)) };
      setBulkHeld(true);
      try {
        const job = runExportPhoto({ exportId: exp.id, seq: 0 }, held);
        await new Promise((resolve) => setTimeout(resolve, 400));
        assert.deepEqual(readdirSync(target), [], 'no file (not even a temp file) while held');
        assert.equal((await repo.item(exp.id, 0))!.state, 'pending');
        setBulkHeld(false);
        assert.equal((await job).outcome, 'done');
      } finally {
        setBulkHeld(false);
      }
      // Once before the pixels, once before the metadata (metadata 'all' by default).
      assert.equal(waits, 2);
      assert.deepEqual(readdirSync(target), ['DSCN0010.jpg']);
    });

    it('gives a running export its rate and time left from its latest completions; none once paused', async () => {
      const target = path.join(scratch, `out-${backend.name}-eta`);
      const exp = await createExport(repo, { photoIds: ['a', 'b', 'c'], targetDir: target, options: {} });
      assert.deepEqual([exp.perMinute, exp.etaSeconds], [null, null], 'nothing finished yet: no estimate');
      const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
      await store.sql.run(`UPDATE exports SET updated_at = ? WHERE id = ?`, [at(60_000), exp.id]);
      await repo.finishItem(exp.id, 0, { state: 'done', bytes: 1 });
      await repo.finishItem(exp.id, 1, { state: 'failed', error: 'x' });
      await store.sql.run(`UPDATE export_items SET updated_at = ? WHERE export_id = ? AND seq = 0`, [at(40_000), exp.id]);
      await store.sql.run(`UPDATE export_items SET updated_at = ? WHERE export_id = ? AND seq = 1`, [at(20_000), exp.id]);
      // Two photos in the minute since it started running, one left: 2/min, 30 s.
      const running = (await repo.get(exp.id))!;
      assert.ok(Math.abs(running.perMinute! - 2) < 0.05, String(running.perMinute));
      assert.ok(Math.abs(running.etaSeconds! - 30) < 1, String(running.etaSeconds));
      assert.equal((await repo.list()).find((e) => e.id === exp.id)!.etaSeconds !== null, true);
      const paused = (await repo.setState(exp.id, 'paused', 'paused by the person'))!;
      assert.deepEqual([paused.perMinute, paused.etaSeconds, paused.reason], [null, null, 'paused by the person']);
    });

    it('after a crash between placing the file and recording it, recognises its own file by hash; leaves a foreign one', async () => {
      const target = path.join(scratch, `out-${backend.name}-3`);
      const exp = await createExport(repo, { photoIds: ['a', 'b'], targetDir: target, options: { longEdge: 200 } });
      const first = await runExportPhoto({ exportId: exp.id, seq: 0 }, deps);
      assert.equal(first.outcome, 'done');
      const bytes = readFileSync(path.join(target, 'DSCN0010.jpg'));
      // Simulate the crash: the store forgets "done" (the file and its recorded hash stay).
      await store.sql.run(`UPDATE export_items SET state = 'pending' WHERE export_id = ? AND seq = 0`, [exp.id]);
      const again = await runExportPhoto({ exportId: exp.id, seq: 0 }, deps);
      assert.deepEqual({ outcome: again.outcome, reused: again.outcome === 'done' && again.reused }, { outcome: 'done', reused: true });
      assert.deepEqual(readFileSync(path.join(target, 'DSCN0010.jpg')), bytes);
      // Someone else's file took item 1's name after the export was planned: left untouched, item failed.
      writeFileSync(path.join(target, 'DSCN0012.jpg'), 'not ours');
      const foreign = await runExportPhoto({ exportId: exp.id, seq: 1 }, deps);
      assert.equal(foreign.outcome, 'failed');
      assert.match(foreign.outcome === 'failed' ? foreign.error : '', /not this export's file/);
      assert.equal(readFileSync(path.join(target, 'DSCN0012.jpg'), 'utf8'), 'not ours');
    });

    it('after a worker killed mid-write, the next attempt removes what it left: its temp file, exiftool\'s half-written one', async () => {
      const target = path.join(scratch, `out-${backend.name}-killed`);
      const exp = await createExport(repo, { photoIds: ['a', 'b'], targetDir: target, options: { longEdge: 200 } });
      // Killed while exiftool wrote item 0's metadata: exiftool refuses to write while its temp file exists.
      const tmp0 = path.join(target, '.DSCN0010.jpg.shoebox-export.tmp');
      writeFileSync(tmp0, 'half a render');
      writeFileSync(`${tmp0}_exiftool_tmp`, 'half of exiftool\'s copy');
      const first = await runExportPhoto({ exportId: exp.id, seq: 0 }, deps);
      assert.equal(first.outcome, 'done', JSON.stringify(first));
      // Killed between placing item 1 (a hard link) and removing its temp file, before recording it done.
      assert.equal((await runExportPhoto({ exportId: exp.id, seq: 1 }, deps)).outcome, 'done');
      linkSync(path.join(target, 'DSCN0012.jpg'), path.join(target, '.DSCN0012.jpg.shoebox-export.tmp'));
      await store.sql.run(`UPDATE export_items SET state = 'pending' WHERE export_id = ? AND seq = 1`, [exp.id]);
      const again = await runExportPhoto({ exportId: exp.id, seq: 1 }, deps);
      assert.deepEqual({ outcome: again.outcome, reused: again.outcome === 'done' && again.reused }, { outcome: 'done', reused: true });
      assert.deepEqual(readdirSync(target).sort(), ['DSCN0010.jpg', 'DSCN0012.jpg']);
    });

    it('fails a vanished original with its reason and keeps going', async () => {
      const target = path.join(scratch, `out-${backend.name}-4`);
      const gone = path.join(originals, 'DSCN0021.jpg');
      const exp = await createExport(repo, { photoIds: ['c'], targetDir: target, options: { longEdge: 200 } });
      renameSync(gone, `${gone}.away`);
      try {
        const r = await runExportPhoto({ exportId: exp.id, seq: 0 }, deps);
        assert.equal(r.outcome, 'failed');
        assert.match(r.outcome === 'failed' ? r.error : '', /missing-file: the original is gone/);
      } finally {
        renameSync(`${gone}.away`, gone);
      }
      assert.deepEqual(readdirSync(target), []);
      const summary = (await repo.get(exp.id))!;
      assert.deepEqual([summary.state, summary.failed], ['done', 1]);
    });

    const tmpfsSkip = process.getuid?.() === 0 ? false : 'needs root to mount a small tmpfs';
    it('a full disk pauses the export with "disk full" and leaves no half file', { skip: tmpfsSkip }, async () => {
      const mount = path.join(scratch, `tiny-${backend.name}`);
      mkdirSync(mount);
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', mount]);
      } catch (err) {
        return void it.skip?.(`tmpfs mount refused: ${(err as Error).message}`);
      }
      try {
        // Full-size (no long edge), quality 100: each file is far above 96 KiB.
        const exp = await createExport(repo, { photoIds: ['a', 'b'], targetDir: mount, options: { quality: 100 } });
        const r = await runExportPhoto({ exportId: exp.id, seq: 0 }, deps);
        assert.equal(r.outcome, 'paused', JSON.stringify(r));
        const summary = (await repo.get(exp.id))!;
        assert.equal(summary.state, 'paused');
        assert.match(summary.reason ?? '', /^disk full/);
        assert.equal(summary.pending, 2, 'no photo failed one by one');
        assert.deepEqual(readdirSync(mount), [], 'no temp or half file left');
        // The paused export's next job does not even try.
        assert.equal((await runExportPhoto({ exportId: exp.id, seq: 1 }, deps)).outcome, 'paused');
      } finally {
        execFileSync('umount', [mount]);
      }
      assert.ok(!existsSync(path.join(mount, 'DSCN0010.jpg')));
    });
  });
}
