/**
 * The Library's multi-select below the UI: the click / Ctrl / Shift rules, the request sizes the renderer
 * sends a big selection in (each within its contract and the HTTP body cap), and the person's marks on the
 * grid's tiles in both stores.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { api, MAX_SELECTION } from '../src-shared/api/contract.js';
import { chunked, IDS_PER_REQUEST, loadedIds, rangeBounds, selectOnly, toggleOne, withRange } from '../src-shared/selection.js';
import { MAX_BODY_BYTES } from '../src-main/engine/api/http-server.js';
import { openStore } from '../src-core/store/open-store.js';
import { PhotoPresetsRepo } from '../src-core/store/repos/photo-presets-repo.js';
import { SearchRepo } from '../src-core/store/repos/search-repo.js';
import type { Store } from '../src-core/store/store.js';
import { storeBackends } from './helpers/store-backends.js';

describe('selection rules', () => {
  it('a click selects one; Ctrl toggles; Shift adds the range from the anchor to what was selected then', () => {
    let s = selectOnly(2, 'c');
    assert.deepEqual([...s.ids], ['c']);
    s = toggleOne(s.ids, 5, 'f');
    assert.deepEqual([...s.ids].sort(), ['c', 'f']);
    assert.deepEqual(s.anchor, { index: 5, base: new Set(['c']) });
    // Shift from 5 to 7, then to 4: the second range replaces the first; 'c' stays.
    s = withRange(s.anchor!, ['f', 'g', 'h'], 100);
    assert.deepEqual([...s.ids].sort(), ['c', 'f', 'g', 'h']);
    s = withRange(s.anchor!, ['e', 'f'], 100);
    assert.deepEqual([...s.ids].sort(), ['c', 'e', 'f']);
    // Ctrl-click again takes it out.
    s = toggleOne(s.ids, 5, 'f');
    assert.deepEqual([...s.ids].sort(), ['c', 'e']);
    assert.deepEqual(rangeBounds(7, 3), [3, 7]);
    assert.deepEqual(rangeBounds(3, 3), [3, 3]);
  });

  it('a range stops at the cap; loaded ids only when every tile of the range is there', () => {
    assert.equal(withRange({ index: 0, base: new Set(['x']) }, ['a', 'b', 'c'], 2).ids.size, 2);
    const tiles = [{ id: 'a' }, { id: 'b' }, undefined, { id: 'd' }];
    assert.deepEqual(loadedIds(tiles, 0, 1), ['a', 'b']);
    assert.equal(loadedIds(tiles, 1, 3), null);
    assert.equal(loadedIds(tiles, 3, 4), null, 'past the end is not loaded');
  });

  it('chunks ids into requests; a bad size is refused', () => {
    assert.deepEqual(chunked([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(chunked([], 2), []);
    assert.throws(() => chunked([1], 0), /not a positive number/);
  });
});

describe('request sizes for a big selection', () => {
  const ids = (n: number) => Array.from({ length: n }, () => randomUUID());

  it('IDS_PER_REQUEST ids fit presets.apply and photos.mark, one more does not', () => {
    assert.ok(api['presets.apply'].req.safeParse({ photoIds: ids(IDS_PER_REQUEST), presetId: null }).success);
    assert.ok(api['photos.mark'].req.safeParse({ photoIds: ids(IDS_PER_REQUEST), rating: 2 }).success);
    assert.equal(api['presets.apply'].req.safeParse({ photoIds: ids(IDS_PER_REQUEST + 1), presetId: null }).success, false);
    assert.equal(api['photos.mark'].req.safeParse({ photoIds: ids(IDS_PER_REQUEST + 1), rating: 2 }).success, false);
  });

  it('a whole selection fits one export and one HTTP body', () => {
    const photoIds = ids(MAX_SELECTION);
    assert.ok(api['exports.create'].req.safeParse({ photoIds, targetDir: '/tmp/x', options: {} }).success);
    const body = Buffer.byteLength(JSON.stringify({ photoIds, targetDir: '/tmp/x', options: {} }));
    assert.ok(body < MAX_BODY_BYTES, `${body} bytes over the ${MAX_BODY_BYTES} cap`);
    assert.equal(api['library.ids'].req.safeParse({ limit: MAX_SELECTION + 1 }).success, false);
    assert.equal(api['library.ids'].req.parse({}).limit, MAX_SELECTION);
  });
});

for (const backend of storeBackends()) {
  describe(`marks on the grid's tiles, ids of a query (${backend.name})`, { skip: backend.skip }, () => {
    let store: Store;
    before(async () => {
      store = await openStore(await backend.setup());
      await store.ingests.create('ing', ['/photos']);
      await store.ingests.registerFiles('ing', ['a', 'b', 'c', 'd'].map((n) => ({ kind: 'new' as const, photoId: `p-${n}`, path: `/photos/${n}.jpg`, size: 1, mtimeMs: 1 })));
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
    });

    it('a tile carries the rating and colour label; a rating alone keeps the label', async () => {
      const marks = new PhotoPresetsRepo(store.sql);
      assert.deepEqual(await marks.setMarks(['p-a', 'p-b', 'p-missing'], { rating: 2 }), ['p-a', 'p-b']);
      await marks.setMarks(['p-b'], { label: 'Green' });
      await marks.setMarks(['p-b'], { rating: -1 });
      const items = await store.photos.listItems({ limit: 10, offset: 0 });
      assert.deepEqual(items.map((i) => [i.id, i.rating, i.label]), [['p-a', 2, null], ['p-b', -1, 'Green'], ['p-c', null, null], ['p-d', null, null]]);
    });

    it('the ids of a query in its order, from an offset (a Shift range over pages never loaded)', async () => {
      const search = new SearchRepo(store.sql);
      assert.deepEqual(await search.page({ sort: 'name' }, MAX_SELECTION, 0), { ids: ['p-a', 'p-b', 'p-c', 'p-d'], total: 4 });
      assert.deepEqual(await search.page({ sort: 'name', reverse: true }, 2, 1), { ids: ['p-c', 'p-b'], total: 4 });
    });
  });
}
