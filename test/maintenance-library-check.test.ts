/**
 * The library check and the cache cleanup on both stores, over real files in a temp folder: moved
 * files are re-linked by content hash, vanished ones marked missing (results kept), a file replaced in
 * place gets a new revision and is handed to the re-analysis callback; the cleanup removes only the
 * cache files no photo points at.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanupCache } from '../src-core/maintenance/cache-cleanup.js';
import { checkLibrary, relinkMovedFiles } from '../src-core/maintenance/library-check.js';
import { MaintenanceRepo } from '../src-core/store/repos/maintenance-repo.js';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { storeBackends } from './helpers/store-backends.js';

const sha1 = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');

/** A file of random bytes of `size`, registered as an analysed photo (hash, state done, one result row). */
async function addPhoto(store: Store, file: string, size: number): Promise<string> {
  const bytes = randomBytes(size);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  const stat = fs.statSync(file);
  const id = randomBytes(8).toString('hex');
  const at = new Date().toISOString();
  await store.sql.run(
    `INSERT INTO photos (id, path, size, mtime_ms, content_hash, state, revision, ingest_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'done', 0, NULL, ?, ?)`,
    [id, file, stat.size, stat.mtimeMs, sha1(bytes), at, at],
  );
  await store.sql.run(`INSERT INTO photo_results (photo_id, stage, json, updated_at) VALUES (?, 'quality', '{"score":3}', ?)`, [id, at]);
  return id;
}

for (const backend of storeBackends()) {
  describe(`library check: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    let repo: MaintenanceRepo;
    let root: string;
    before(async () => {
      store = await openStore(await backend.setup());
      repo = new MaintenanceRepo(store.sql);
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-check-'));
      await store.sql.run(`INSERT INTO library_folders (path, added_at) VALUES (?, ?)`, [root, new Date().toISOString()]);
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
      fs.rmSync(root, { recursive: true, force: true });
    });

    it('re-links moved files, marks vanished ones missing, re-analyses a replaced one', async () => {
      // Two photos of the same size: the hash, not the size, decides which one moved where.
      const moved = [await addPhoto(store, path.join(root, 'trip', 'a.jpg'), 4000), await addPhoto(store, path.join(root, 'trip', 'b.jpg'), 4000)];
      const gone = await addPhoto(store, path.join(root, 'other', 'gone.jpg'), 5000);
      const replaced = await addPhoto(store, path.join(root, 'other', 'replaced.jpg'), 6000);
      const untouched = await addPhoto(store, path.join(root, 'other', 'same.jpg'), 7000);
      const movedHashes = await Promise.all(moved.map(async (id) => (await store.photos.get(id))!.contentHash));

      fs.mkdirSync(path.join(root, 'sorted', '2024'), { recursive: true });
      fs.renameSync(path.join(root, 'trip', 'a.jpg'), path.join(root, 'sorted', '2024', 'renamed-b.jpg.tmp'));
      fs.renameSync(path.join(root, 'trip', 'b.jpg'), path.join(root, 'sorted', '2024', 'renamed-a.jpg'));
      fs.renameSync(path.join(root, 'sorted', '2024', 'renamed-b.jpg.tmp'), path.join(root, 'sorted', '2024', 'renamed-b.jpg'));
      fs.rmSync(path.join(root, 'trip'), { recursive: true });
      fs.rmSync(path.join(root, 'other', 'gone.jpg'));
      fs.writeFileSync(path.join(root, 'other', 'replaced.jpg'), randomBytes(6100));

      const queued: Array<[string, number]> = [];
      const result = await checkLibrary({ repo, reanalyse: async (id, revision) => void queued.push([id, revision]) });
      assert.deepEqual(
        { relinked: result.relinked, missing: result.missing, reanalysed: result.reanalysed, unchanged: result.unchanged, checked: result.checked },
        { relinked: 2, missing: 1, reanalysed: 1, unchanged: 1, checked: 5 },
      );
      assert.equal((await store.photos.get(moved[0]!))!.path, path.join(root, 'sorted', '2024', 'renamed-b.jpg'));
      assert.equal((await store.photos.get(moved[1]!))!.path, path.join(root, 'sorted', '2024', 'renamed-a.jpg'));
      for (const [i, id] of moved.entries()) {
        const photo = (await store.photos.get(id))!;
        assert.equal(photo.revision, 0, 'a moved photo keeps its analysis');
        assert.equal(photo.state, 'done');
        assert.equal(photo.contentHash, movedHashes[i]);
      }
      assert.deepEqual((await repo.listMissing()).map((m) => m.photoId), [gone]);
      assert.equal((await store.photos.get(gone))!.state, 'done', 'missing is a mark, not a deletion');
      const kept = await store.sql.all('SELECT stage FROM photo_results WHERE photo_id = ?', [gone]);
      assert.equal(kept.length, 1, 'the results of a missing photo stay');
      assert.deepEqual(queued, [[replaced, 1]]);
      const fresh = (await store.photos.get(replaced))!;
      assert.equal(fresh.state, 'queued');
      assert.equal(fresh.contentHash, null);
      assert.equal((await store.sql.all('SELECT stage FROM photo_results WHERE photo_id = ?', [replaced])).length, 0);
      assert.equal((await store.photos.get(untouched))!.revision, 0);
    });

    it('a second run changes nothing; a missing file that comes back is found again', async () => {
      const again = await checkLibrary({ repo, reanalyse: async () => assert.fail('nothing to re-analyse') });
      assert.equal(again.relinked + again.missing + again.reanalysed + again.found, 0);
      assert.equal(again.missingTotal, 1);
      const [missing] = await repo.listMissing();
      fs.writeFileSync(missing!.path, 'back');
      const back = await checkLibrary({ repo, reanalyse: async () => undefined });
      assert.equal(back.found, 1);
      assert.equal(back.missingTotal, 0);
    });

    it('a file that appeared is re-linked when it is a photo moved from a path now empty, else left to ingest', async () => {
      const id = await addPhoto(store, path.join(root, 'watch', 'before.jpg'), 3000);
      const copySource = await addPhoto(store, path.join(root, 'watch', 'original.jpg'), 3100);
      fs.renameSync(path.join(root, 'watch', 'before.jpg'), path.join(root, 'watch', 'after.jpg'));
      fs.copyFileSync(path.join(root, 'watch', 'original.jpg'), path.join(root, 'watch', 'a copy.jpg'));
      fs.writeFileSync(path.join(root, 'watch', 'brand new.jpg'), randomBytes(3000));
      const files = ['after.jpg', 'a copy.jpg', 'brand new.jpg', 'original.jpg'].map((f) => path.join(root, 'watch', f));
      const { relinked, remaining } = await relinkMovedFiles(repo, files);
      assert.equal(relinked, 1);
      assert.deepEqual(remaining, files.slice(1), 'a copy (its original still there), a new file and a known path are left to the ingest');
      assert.equal((await store.photos.get(id))!.path, files[0]);
      assert.equal((await store.photos.get(copySource))!.path, path.join(root, 'watch', 'original.jpg'));
    });

    it('records the last run of each task', async () => {
      const at = new Date().toISOString();
      await repo.recordRun({ task: 'cleanup', startedAt: at, finishedAt: at, ms: 12.5, ok: true, result: { removed: 3 } });
      await repo.recordRun({ task: 'cleanup', startedAt: at, finishedAt: at, ms: 7, ok: false, result: { error: 'disk' } });
      assert.deepEqual(await repo.lastRuns(), [{ task: 'cleanup', startedAt: at, finishedAt: at, ms: 7, ok: false, result: { error: 'disk' } }]);
    });

    it('cleanup removes only the cache files no photo points at', async () => {
      const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-cache-'));
      try {
        const live = ['thumbs/aa/live1.jpg', 'previews/aa/live1.jpg', 'thumbs/bb/live2.jpg'];
        const orphans = ['thumbs/cc/orphan1.jpg', 'previews/cc/orphan1.jpg', 'previews/dd/orphan2.jpg'];
        const young = 'thumbs/ee/being-written.jpg';
        const old = (Date.now() - 2 * 3600_000) / 1000;
        let orphanBytes = 0;
        for (const [i, rel] of [...live, ...orphans, young].entries()) {
          const full = path.join(cacheDir, rel);
          fs.mkdirSync(path.dirname(full), { recursive: true });
          fs.writeFileSync(full, randomBytes(100 + i));
          if (rel !== young) fs.utimesSync(full, old, old);
          if (orphans.includes(rel)) orphanBytes += 100 + i;
        }
        const photo = await addPhoto(store, path.join(root, 'cached.jpg'), 100);
        await store.sql.run(
          `INSERT INTO photo_derivatives (photo_id, thumbnail_path, preview_path, width, height, dhash, format, updated_at) VALUES (?, ?, ?, 1, 1, '0', 'jpeg', ?)`,
          [photo, live[0]!, live[1]!, new Date().toISOString()],
        );
        const other = await addPhoto(store, path.join(root, 'cached2.jpg'), 101);
        await store.sql.run(
          `INSERT INTO photo_derivatives (photo_id, thumbnail_path, preview_path, width, height, dhash, format, updated_at) VALUES (?, ?, ?, 1, 1, '0', 'jpeg', ?)`,
          [other, live[2]!, 'previews/bb/live2.jpg', new Date().toISOString()],
        );
        const result = await cleanupCache(cacheDir, await repo.referencedDerivatives());
        assert.deepEqual(result, { scanned: 7, removed: 3, bytesFreed: orphanBytes, kept: 4 });
        for (const rel of [...live, young]) assert.ok(fs.existsSync(path.join(cacheDir, rel)), `${rel} stays`);
        for (const rel of orphans) assert.ok(!fs.existsSync(path.join(cacheDir, rel)), `${rel} goes`);
      } finally {
        fs.rmSync(cacheDir, { recursive: true, force: true });
      }
    });
  });
}
