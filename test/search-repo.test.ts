/**
 * Search, sort, timeline, map and folders over the real stores (SQLite file and Postgres schema):
 * photos written through the Store as the stages write them, queried through the repositories.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import type { PhotoMetadata } from '../src-shared/photo.js';
import { registerSearchSource, SearchRepo } from '../src-core/store/repos/search-repo.js';
import { FoldersRepo } from '../src-core/store/repos/folders-repo.js';
import { expandTerm, queryTerms } from '../src-shared/search-terms.js';
import { storeBackends } from './helpers/store-backends.js';

function meta(patch: Partial<PhotoMetadata>): PhotoMetadata {
  return {
    takenAt: null, make: null, model: null, lens: null, orientation: null, width: null, height: null, iso: null,
    exposureTime: null, fNumber: null, focalLength: null, gps: null, rating: null, keywords: [], ...patch,
  };
}

interface Seed {
  id: string;
  path: string;
  metadata?: Partial<PhotoMetadata>;
  tags?: string[];
  description?: string;
  text?: string[];
  faces?: number;
  quality?: number;
}

const SEEDS: Seed[] = [
  { id: 'p1', path: '/lib/holiday-2019/beach.jpg', metadata: { takenAt: '2019-07-14T10:00:00', make: 'Canon', model: 'Canon EOS 40D', lens: 'EF-S 17-85mm', gps: { lat: 43.3, lon: 5.4, alt: null }, keywords: ['Marseille'] }, tags: ['people', 'small-group', 'faces:2', 'dog'], description: '2 people and a dog', faces: 2, quality: 4.1 },
  { id: 'p2', path: '/lib/holiday-2019/menu.jpg', metadata: { takenAt: '2019-07-15T20:00:00', make: 'Apple', model: 'iPhone 12' }, tags: ['text', 'text:menu'], text: ['MENU DU JOUR', 'Soupe'], quality: 2.9 },
  { id: 'p3', path: '/lib/work/office.jpg', metadata: { takenAt: '2021-01-02T09:00:00', make: 'Apple', model: 'iPhone 12', gps: { lat: 52.5, lon: 13.4, alt: null } }, tags: ['laptop', 'cars'], quality: 3.6 },
  { id: 'p4', path: '/lib/work/undated.png', tags: ['cat'] },
];

for (const backend of storeBackends()) {
  describe(`SearchRepo and FoldersRepo: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    let search: SearchRepo;
    before(async () => {
      store = await openStore(await backend.setup());
      search = new SearchRepo(store.sql);
      // A registered source is process-wide (features register at start-up): its table exists on every backend.
      await store.sql.exec(`CREATE TABLE test_person_names (photo_id TEXT, name TEXT)`);
      await store.ingests.create('i1', ['/lib/holiday-2019', '/lib/work']);
      await store.ingests.registerFiles('i1', SEEDS.map((s, i) => ({ kind: 'new' as const, photoId: s.id, path: s.path, size: 1000 + i, mtimeMs: 1_600_000_000_000 })));
      for (const s of SEEDS) {
        if (s.metadata) await store.progress.saveMetadata(s.id, 0, meta(s.metadata));
        if (s.tags) await store.progress.saveResult(s.id, 0, 'tag', { tags: s.tags, description: s.description ?? '' });
        await store.progress.saveResult(s.id, 0, 'detect', {
          faces: Array.from({ length: s.faces ?? 0 }, () => ({ box: [0.1, 0.1, 0.2, 0.2], score: 0.9, eyesClosed: false, embedding: 'QUJD' })),
          objects: [],
          text: (s.text ?? []).map((t) => ({ text: t, score: 0.9, box: [0, 0, 0.5, 0.1] })),
        });
        if (s.quality !== undefined) await store.progress.saveResult(s.id, 0, 'quality', { score: s.quality, priority: 'low', parts: {} });
        await store.progress.completePhoto(s.id, 0);
      }
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
    });

    const ids = async (q: Parameters<SearchRepo['page']>[0]) => (await search.page(q, 50, 0)).ids;

    it('finds photos by tag, synonym, recognised text, camera, lens, keyword and folder; every word must match', async () => {
      assert.deepEqual(await ids({ q: 'people' }), ['p1']);
      assert.deepEqual(await ids({ q: 'person' }), ['p1'], 'person ≈ people');
      assert.deepEqual(await ids({ q: 'dogs' }), ['p1'], 'a plural finds the singular tag');
      assert.deepEqual(await ids({ q: 'soupe' }), ['p2'], 'a recognised text line');
      assert.deepEqual(await ids({ q: 'menu' }), ['p2']);
      assert.deepEqual(await ids({ q: 'iphone' }), ['p2', 'p3']);
      assert.deepEqual(await ids({ q: 'ef-s' }), ['p1'], 'lens');
      assert.deepEqual(await ids({ q: 'marseille' }), ['p1'], 'keyword (place)');
      assert.deepEqual(await ids({ q: 'holiday' }), ['p1', 'p2'], 'folder name');
      assert.deepEqual(await ids({ q: 'iphone holiday' }), ['p2'], 'all words');
      assert.deepEqual(await ids({ q: 'car' }), ['p3'], 'singular finds plural');
      assert.deepEqual(await ids({ q: 'zebra' }), []);
      // Wildcards in the query are literal.
      assert.deepEqual(await ids({ q: '%' }), []);
    });

    it('combines the search with filters, and counts the matches', async () => {
      assert.deepEqual(await ids({ q: 'iphone', qualityMin: 3 }), ['p3']);
      assert.deepEqual(await ids({ q: 'iphone', takenFrom: '2019-01-01', takenTo: '2019-12-31' }), ['p2']);
      assert.deepEqual(await ids({ hasFaces: true }), ['p1']);
      assert.deepEqual(await ids({ tag: 'TEXT:MENU' }), ['p2']);
      assert.deepEqual(await ids({ camera: 'canon eos' }), ['p1']);
      assert.deepEqual(await ids({ folder: '/lib/work' }), ['p3', 'p4']);
      assert.deepEqual(await ids({ bbox: [40, 0, 50, 10] }), ['p1']);
      assert.equal((await search.page({ q: 'iphone' }, 1, 0)).total, 2);
    });

    it('sorts by date taken, date added, quality and name', async () => {
      assert.deepEqual(await ids({ sort: 'taken' }), ['p3', 'p2', 'p1', 'p4'], 'newest first, undated last');
      assert.deepEqual(await ids({ sort: 'taken', reverse: true }), ['p1', 'p2', 'p3', 'p4']);
      assert.deepEqual(await ids({ sort: 'quality' }), ['p1', 'p3', 'p2', 'p4'], 'best first, unscored last');
      assert.deepEqual(await ids({ sort: 'name' }), ['p1', 'p2', 'p3', 'p4']);
      assert.deepEqual(await ids({ sort: 'name', reverse: true }), ['p4', 'p3', 'p2', 'p1']);
      assert.equal((await ids({ sort: 'added' })).length, 4);
    });

    it('suggests what the library holds, most photos first', async () => {
      const texts = (await search.suggest('i')).map((s) => s.text);
      assert.equal(texts[0], 'iPhone 12');
      assert.ok((await search.suggest('me')).some((s) => s.text === 'text:menu' || s.text === 'MENU DU JOUR'));
      assert.deepEqual((await search.suggest('ca')).map((s) => s.text).sort(), ['Canon', 'Canon EOS 40D', 'cars', 'cat'].sort());
      assert.deepEqual(await search.suggest('   '), []);
    });

    it('takes words from a registered source (the people feature plugs in here)', async () => {
      await store.sql.run('INSERT INTO test_person_names (photo_id, name) VALUES (?, ?)', ['p3', 'Ada Lovelace']);
      registerSearchSource({ kind: 'person', suggest: true, sql: 'SELECT photo_id, name AS term FROM test_person_names' });
      assert.deepEqual(await ids({ q: 'lovelace' }), ['p3']);
      assert.deepEqual((await search.suggest('ada')).map((s) => [s.text, s.kind]), [['Ada Lovelace', 'person']]);
    });

    it('counts photos per capture day and lists GPS points', async () => {
      assert.deepEqual(await search.days({}), { days: [{ day: '2019-07-14', count: 1 }, { day: '2019-07-15', count: 1 }, { day: '2021-01-02', count: 1 }], undated: 1 });
      assert.deepEqual((await search.days({ q: 'iphone' })).days.map((d) => d.day), ['2019-07-15', '2021-01-02']);
      const places = await search.places({});
      assert.equal(places.total, 2);
      assert.deepEqual(places.points.map((p) => [p.id, p.lat, p.lon]), [['p1', 43.3, 5.4], ['p3', 52.5, 13.4]]);
    });

    it('lists folders with counts and last scan, and removes one from the library only', async () => {
      const folders = new FoldersRepo(store.sql);
      await folders.adoptIngestRoots(() => true);
      await folders.adoptIngestRoots(() => true); // twice: no duplicates
      const list = await folders.list();
      assert.deepEqual(list.map((f) => [f.path, f.photos, f.done]), [['/lib/holiday-2019', 2, 2], ['/lib/work', 2, 2]]);
      assert.ok(list[0]!.lastScanAt);
      const removed = await folders.remove('/lib/work');
      assert.deepEqual(removed.sort(), ['p3', 'p4']);
      assert.deepEqual((await folders.list()).map((f) => f.path), ['/lib/holiday-2019']);
      assert.equal(await store.photos.get('p3'), null);
      assert.ok(await store.photos.get('p1'));
      assert.equal((await search.page({}, 50, 0)).total, 2);
      // Adopting the old ingest again does not bring it back; a newer ingest of it does.
      await folders.adoptIngestRoots(() => true);
      assert.equal((await folders.list()).length, 1);
      // The clock must move past the removal's timestamp (ISO, ms).
      for (const t = Date.now(); Date.now() <= t + 1; ) await new Promise((r) => setImmediate(r));
      await store.ingests.create('i2', ['/lib/work']);
      await folders.adoptIngestRoots(() => true);
      assert.deepEqual((await folders.list()).map((f) => f.path), ['/lib/holiday-2019', '/lib/work']);
    });

    it('excludes a folder inside the library: its photos leave, scans skip its files, include undoes it', async () => {
      const folders = new FoldersRepo(store.sql);
      await store.ingests.create('i3', ['/lib/holiday-2019']);
      await store.ingests.registerFiles('i3', [{ kind: 'new', photoId: 'px', path: '/lib/holiday-2019/private/x.jpg', size: 1, mtimeMs: 1 }]);
      assert.deepEqual(await folders.exclude('/lib/holiday-2019/private'), ['px']);
      assert.equal(await store.photos.get('px'), null);
      assert.ok(await store.photos.get('p1'), 'photos beside the excluded folder stay');
      assert.deepEqual((await folders.exclusions()).map((e) => e.path), ['/lib/holiday-2019/private']);
      const among = await folders.excludedAmong(['/lib/holiday-2019/private/y.jpg', '/lib/holiday-2019/a.jpg', '/lib/holiday-2019/private-not/b.jpg']);
      assert.deepEqual([...among], ['/lib/holiday-2019/private/y.jpg']);
      assert.equal(await folders.include('/lib/holiday-2019/private'), true);
      assert.equal(await folders.include('/lib/holiday-2019/private'), false);
      assert.equal((await folders.excludedAmong(['/lib/holiday-2019/private/y.jpg'])).size, 0);
    });
  });
}

describe('search terms', () => {
  it('splits words and keeps quoted phrases', () => {
    assert.deepEqual(queryTerms('People  "closed eyes" dog'), ['people', 'closed eyes', 'dog']);
  });
  it('widens a term by synonyms and plurals', () => {
    assert.ok(expandTerm('person').includes('people'));
    assert.ok(expandTerm('dogs').includes('dog'));
    assert.ok(expandTerm('buses').includes('bus'));
    assert.deepEqual(expandTerm('zebra'), ['zebra']);
  });
});
