/**
 * What an export can be asked for (issue 16), on both stores: folders and files, the culling groups'
 * picks (the person's pick over the machine's, never a rejected photo), a person's photos by name
 * (case-insensitive), photos with a label (a tag or a colour label); what matched nothing says why.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { selectPhotos } from '../src-core/export/select-photos.js';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { storeBackends } from './helpers/store-backends.js';

for (const backend of storeBackends()) {
  describe(`export selection: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    const root = mkdtempSync(path.join(tmpdir(), 'shoebox-export-select-'));
    const now = new Date().toISOString();
    before(async () => {
      store = await openStore(await backend.setup());
      mkdirSync(path.join(root, 'trip'));
      mkdirSync(path.join(root, 'home'));
      const files = { a: 'trip/a.jpg', b: 'trip/b.jpg', c: 'trip/c.jpg', d: 'home/d.jpg' };
      for (const f of Object.values(files)) writeFileSync(path.join(root, f), 'x');
      await store.ingests.create('ing', [root]);
      await store.ingests.registerFiles('ing', Object.entries(files).map(([id, f]) => ({ kind: 'new' as const, photoId: id, path: path.join(root, f), size: 1, mtimeMs: 1 })));
      await store.progress.saveResult('a', 0, 'tag', { tags: ['Beach', 'sea'] });
      await store.progress.saveResult('d', 0, 'tag', { tags: ['kitchen'] });
      const sql = store.sql;
      const pg = sql.dialect.kind === 'postgres';
      await sql.run(`INSERT INTO photo_marks (photo_id, rating, label, updated_at) VALUES ('c', 3, 'green', ?)`, [now]);
      // Group 1: a, b, c; the machine picked a, the person picked b. Group 2: d, machine pick, rejected by the person.
      await sql.run(`INSERT INTO cull_groups (id, kind, created_at, updated_at) VALUES ('g1', 'burst', ?, ?), ('g2', 'burst', ?, ?)`, [now, now, now, now]);
      for (const [photo, group, pick] of [['a', 'g1', 1], ['b', 'g1', 0], ['c', 'g1', 0], ['d', 'g2', 1]] as const) {
        await sql.run(`INSERT INTO cull_members (photo_id, kind, group_id, score, reasons, machine_pick, updated_at) VALUES (?, 'burst', ?, 1, '[]', ?, ?)`, [photo, group, pick, now]);
      }
      await sql.run(`INSERT INTO cull_decisions (photo_id, picked, updated_at) VALUES ('b', 1, ?)`, [now]);
      await sql.run(`INSERT INTO photo_marks (photo_id, rating, label, updated_at) VALUES ('d', -1, NULL, ?)`, [now]);
      await sql.run(`INSERT INTO persons (id, name, hidden, created_at, updated_at) VALUES ('p1', 'Anna', 0, ?, ?)`, [now, now]);
      for (const [face, photo] of [['f1', 'c'], ['f2', 'd'], ['f3', 'd']] as const) {
        await sql.run(
          `INSERT INTO faces (id, photo_id, revision, face_index, box_x, box_y, box_w, box_h, score, size_px, sharpness, gate, model, dims, embedding, clustered, created_at, updated_at)
           VALUES (?, ?, 0, 0, 0, 0, 1, 1, 0.9, 100, NULL, 'ok', 'm', 1, ${pg ? '?::real[]' : '?'}, 1, ?, ?)`,
          // The embedding column is a BLOB in SQLite and REAL[] in Postgres (people-repo.ts).
          [face, photo, pg ? '{0}' : Buffer.from([0, 0, 0, 0]), now, now],
        );
        await sql.run(`INSERT INTO face_assignments (face_id, person_id, source, updated_at) VALUES (?, 'p1', 'machine', ?)`, [face, now]);
      }
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
      rmSync(root, { recursive: true, force: true });
    });

    it('selects folders and files, unmatched arguments say why', async () => {
      const r = await selectPhotos(store.sql, { paths: [path.join(root, 'trip'), path.join(root, 'home', 'd.jpg'), path.join(root, 'nowhere.jpg')] });
      assert.deepEqual(r.photoIds.sort(), ['a', 'b', 'c', 'd']);
      assert.equal(r.unmatched.length, 1);
      assert.match(r.unmatched[0]!, /nowhere\.jpg: not a photo of this library/);
    });

    it("selects the groups' picks: the person's over the machine's, never a rejected one", async () => {
      assert.deepEqual((await selectPhotos(store.sql, { groupPicks: true })).photoIds, ['b']);
    });

    it("selects a person's photos by name, once each, case-insensitively", async () => {
      assert.deepEqual((await selectPhotos(store.sql, { person: 'anna' })).photoIds.sort(), ['c', 'd']);
      assert.match((await selectPhotos(store.sql, { person: 'Bob' })).unmatched[0]!, /no photo of a person with this name/);
    });

    it('selects by tag or colour label', async () => {
      assert.deepEqual((await selectPhotos(store.sql, { labels: ['beach', 'GREEN'] })).photoIds.sort(), ['a', 'c']);
      assert.match((await selectPhotos(store.sql, { labels: ['snow'] })).unmatched[0]!, /--label snow: no photo has this label/);
    });
  });
}
