/**
 * The metadata extras (issue 14) on both stores: saved for the photo's revision, merged into the photo
 * detail only when current, deleted with the photo; and the scan's sidecar check over real files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { MetadataExtraRepo, extraOf, withMetadataExtra } from '../src-core/store/repos/metadata-extra-repo.js';
import { statSidecar } from '../src-core/files/xmp-sidecar.js';
import { sidecarsChanged } from '../src-main/engine/ingest/sidecar-check.js';
import type { FullMetadata, MetadataExtra } from '../src-shared/photo.js';
import { storeBackends } from './helpers/store-backends.js';

function metadata(over: Partial<FullMetadata> = {}): FullMetadata {
  return {
    takenAt: '2009-09-09T17:00:00+02:00', make: 'NIKON', model: 'D70', lens: '18-70mm f/3.5-4.5', orientation: 1, width: 640, height: 480,
    iso: 200, exposureTime: 0.01, fNumber: 4, focalLength: 35, gps: null, rating: 4, keywords: ['dog'],
    takenAtSource: 'XMP photoshop:DateCreated', takenAtUncertain: false, label: 'Red', pick: 'pick', title: 'Ring bearer',
    description: 'Max — 2019', hierarchicalKeywords: ['Animals|Dog'],
    regions: [{ name: 'Anna', type: 'Face', x: 0.5, y: 0.4, w: 0.2, h: 0.3, unit: 'normalized' }],
    sidecar: { path: '/photos/a.xmp', size: 1234, mtimeMs: 1700000000123.5 }, reader: 'exifr', readerNote: null,
    ...over,
  };
}

for (const backend of storeBackends()) {
  describe(`metadata extras: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    let repo: MetadataExtraRepo;
    let dir: string;
    const ingestId = 'ingest-meta-extra';
    before(async () => {
      store = await openStore(await backend.setup());
      repo = new MetadataExtraRepo(store.sql);
      dir = mkdtempSync(path.join(tmpdir(), 'shoebox-extra-'));
      await store.ingests.create(ingestId, [dir]);
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
      rmSync(dir, { recursive: true, force: true });
    });

    async function newPhoto(id: string, file = path.join(dir, `${id}.jpg`)): Promise<void> {
      await store.ingests.registerFiles(ingestId, [{ kind: 'new', photoId: id, path: file, size: 10, mtimeMs: 1 }]);
    }

    it('saves the extras for the current revision, round-trips them exactly, and merges them into the detail', async () => {
      await newPhoto('p1');
      const m = metadata();
      await store.progress.saveMetadata('p1', 0, m);
      assert.equal(await repo.save('p1', 0, extraOf(m)), true);
      const found = await repo.get('p1');
      assert.deepEqual(found, { revision: 0, extra: extraOf(m) });
      const detail = await withMetadataExtra(store.sql, (await store.photos.getDetail('p1'))!);
      assert.equal(detail.metadata!.takenAtSource, 'XMP photoshop:DateCreated');
      assert.deepEqual(detail.metadata!.regions, m.regions);
      assert.equal(detail.metadata!.make, 'NIKON');
      // extraOf keeps only the extras: no core column is stored twice.
      assert.deepEqual(Object.keys(extraOf(m)).sort(), Object.keys(found!.extra).sort());
      assert.equal('make' in found!.extra, false);
    });

    it('a write for another revision changes nothing; an upsert replaces the row', async () => {
      await newPhoto('p2');
      assert.equal(await repo.save('p2', 5, extraOf(metadata())), false);
      assert.equal(await repo.get('p2'), null);
      await repo.save('p2', 0, extraOf(metadata({ label: 'Blue' })));
      await repo.save('p2', 0, extraOf(metadata({ label: 'Green', pick: null })));
      const extra = (await repo.get('p2'))!.extra as MetadataExtra;
      assert.deepEqual([extra.label, extra.pick], ['Green', null]);
    });

    it('extras of an older revision are not shown on the detail of a changed photo', async () => {
      await newPhoto('p3');
      await store.progress.saveMetadata('p3', 0, metadata());
      await repo.save('p3', 0, extraOf(metadata()));
      await store.ingests.registerFiles(ingestId, [{ kind: 'changed', photoId: 'p3', size: 11, mtimeMs: 2 }]);
      await store.progress.saveMetadata('p3', 1, metadata());
      const detail = await withMetadataExtra(store.sql, (await store.photos.getDetail('p3'))!);
      assert.equal(detail.revision, 1);
      assert.equal(detail.metadata?.takenAtSource, undefined);
    });

    it('is deleted with its photo', async () => {
      await newPhoto('p4');
      await repo.save('p4', 0, extraOf(metadata()));
      await store.sql.run('DELETE FROM photos WHERE id = ?', ['p4']);
      assert.equal(await repo.get('p4'), null);
    });

    it("the scan's sidecar check: a sidecar that appears, changes or goes makes its photo changed; an untouched one does not", async () => {
      const file = path.join(dir, 'scan.jpg');
      writeFileSync(file, 'jpeg bytes');
      await newPhoto('p5', file);
      const known = await store.photos.getByPaths([file]);
      const scanned = [{ path: file, size: 10, mtimeMs: 1 }];
      // Read before this feature (no row) and no sidecar: unchanged.
      assert.deepEqual([...(await sidecarsChanged(store.sql, scanned, known))], []);
      const sidecar = path.join(dir, 'scan.xmp');
      writeFileSync(sidecar, '<x:xmpmeta/>');
      assert.deepEqual([...(await sidecarsChanged(store.sql, scanned, known))], [file], 'a new sidecar');
      await repo.save('p5', 0, extraOf(metadata({ sidecar: await statSidecar(file) })));
      assert.deepEqual([...(await sidecarsChanged(store.sql, scanned, known))], [], 'read as it is');
      writeFileSync(sidecar, '<x:xmpmeta> rating 5 </x:xmpmeta>');
      utimesSync(sidecar, new Date(), new Date(Date.now() + 5000));
      assert.deepEqual([...(await sidecarsChanged(store.sql, scanned, known))], [file], 'edited');
      await repo.save('p5', 0, extraOf(metadata({ sidecar: await statSidecar(file) })));
      rmSync(sidecar);
      assert.deepEqual([...(await sidecarsChanged(store.sql, scanned, known))], [file], 'removed');
    });
  });
}
