/**
 * Model upgrades in the store (VectorModelsRepo), on both stores: while an upgrade runs the similar-photo
 * search reads the active model only (the staged vectors of the target are invisible, even at the same
 * dims), a new analysis stages the target's vector beside the active one, the cut-over refuses while a
 * photo still waits, and then swaps in one step: no vector or embed result of the old model remains.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { VectorModelsRepo } from '../src-core/store/repos/vector-models-repo.js';
import { storeBackends } from './helpers/store-backends.js';

const V1 = 'shoebox-global-v1';
const V2 = 'shoebox-global-v2';
const DIMS = 8;

function unit(...v: number[]): Float32Array {
  const f = new Float32Array(DIMS);
  v.forEach((x, i) => (f[i] = x));
  const n = Math.hypot(...f);
  return f.map((x) => x / n);
}
const b64 = (f: Float32Array): string => Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
const embed = (model: string, f: Float32Array, upgrade?: { model: string; f: Float32Array }) => ({
  model,
  dims: DIMS,
  vector: b64(f),
  ...(upgrade ? { upgrade: { model: upgrade.model, dims: DIMS, vector: b64(upgrade.f) } } : {}),
});

for (const backend of storeBackends()) {
  describe(`vector models and upgrades: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    let repo: VectorModelsRepo;
    // v1 puts q near a; v2 (deliberately) puts q near b: the search shows which model answered.
    const ids = ['q', 'a', 'b', 'late'] as const;
    const v1 = { q: unit(1, 0, 0), a: unit(1, 0.1, 0), b: unit(0, 1, 0), late: unit(0, 0, 1) };
    const v2 = { q: unit(0, 0, 0, 1), a: unit(0, 0, 0, 0, 1), b: unit(0, 0, 0, 1, 0.1), late: unit(0, 0, 0, 0, 0, 1) };

    before(async () => {
      store = await openStore(await backend.setup());
      repo = new VectorModelsRepo(store.sql);
      await store.ingests.create('ing', ['/p']);
      await store.ingests.registerFiles('ing', ids.map((id) => ({ kind: 'new' as const, photoId: id, path: `/p/${id}.jpg`, size: 1, mtimeMs: 1 })));
      for (const id of ['q', 'a', 'b'] as const) await store.progress.saveResult(id, 0, 'embed', embed(V1, v1[id]));
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
    });

    it('starts with the default model active and no upgrade', async () => {
      assert.deepEqual(await repo.models(), { active: V1, target: null });
      const s = await repo.status();
      assert.equal(s.state, 'idle');
      assert.deepEqual(s.available, [V1, V2]);
      assert.deepEqual((await store.photos.similar('q', 1)).map((r) => r.photoId), ['a']);
    });

    it('refuses an unknown model, and a switch to the active one does nothing', async () => {
      await assert.rejects(repo.begin('descriptor', 'clip-vit'), /unknown descriptor model "clip-vit": use one of shoebox-global-v1, shoebox-global-v2/);
      assert.equal((await repo.begin('descriptor', V1)).started, false);
    });

    it('during the upgrade: staged vectors are invisible to queries; a new photo stages both', async () => {
      assert.equal((await repo.begin('descriptor', V2)).started, true);
      assert.equal((await repo.begin('descriptor', V2)).started, false, 'already running');
      assert.deepEqual(await repo.models(), { active: V1, target: V2 });
      let s = await repo.status();
      assert.equal(s.state, 'running');
      assert.equal(s.done, 0);
      assert.equal(s.total, 3);

      assert.equal(await repo.stage('q', 0, V2, v2.q), true);
      assert.equal(await repo.stage('b', 0, V2, v2.b), true);
      assert.equal(await repo.stage('q', 5, V2, v2.q), false, 'an old revision is not staged');
      assert.equal(await repo.stage('a', 0, V1, v1.a), false, 'only the target is staged');
      // The search still answers from v1 (it would say b with v2).
      assert.deepEqual((await store.photos.similar('q', 1)).map((r) => r.photoId), ['a']);
      // A photo analysed now carries both; the active one is its result, the target's is staged.
      await store.progress.saveResult('late', 0, 'embed', embed(V1, v1.late, { model: V2, f: v2.late }));
      const stored = await store.sql.get<{ json: string }>(`SELECT json FROM photo_results WHERE photo_id = 'late' AND stage = 'embed'`);
      assert.equal((JSON.parse(stored!.json) as { model: string; upgrade?: unknown }).model, V1);
      assert.equal((JSON.parse(stored!.json) as { upgrade?: unknown }).upgrade, undefined, 'the staged vector is not kept in the result');
      s = await repo.status();
      assert.equal(s.done, 3);
      assert.equal(s.total, 4);
      assert.deepEqual((await repo.pendingPhotos(10)).map((p) => p.photoId), ['a']);
      assert.deepEqual(await repo.vectorCounts(), { active: { [V1]: 4 }, staged: { [V2]: 3 } });
    });

    it('the cut-over waits for every photo, then swaps in one step: no vector of the old model remains', async () => {
      assert.deepEqual(await repo.cutOver(), { cutOver: false, pending: 1 });
      assert.deepEqual((await store.photos.similar('q', 1)).map((r) => r.photoId), ['a'], 'nothing changed');
      await repo.stage('a', 0, V2, v2.a);
      const cut = await repo.cutOver();
      assert.deepEqual(cut, { cutOver: true, from: V1, to: V2, replaced: 4, dropped: 0, droppedResults: 0 });
      assert.deepEqual(await repo.models(), { active: V2, target: null });
      assert.deepEqual(await repo.vectorCounts(), { active: { [V2]: 4 }, staged: {} });
      const results = await store.sql.all<{ json: string }>(`SELECT json FROM photo_results WHERE stage = 'embed'`);
      assert.equal(results.length, 4);
      for (const r of results) assert.equal((JSON.parse(r.json) as { model: string }).model, V2);
      // Now v2 answers: q's nearest is b.
      const found = await store.photos.similar('q', 3);
      assert.equal(found[0]!.photoId, 'b');
      assert.ok(found[0]!.distance < 0.01, `distance ${found[0]!.distance}`);
      const s = await repo.status();
      assert.equal(s.state, 'done');
      assert.deepEqual(s.result, cut);
    });

    it('after the cut-over, a late write of the old model is refused (the stage runs again)', async () => {
      await assert.rejects(store.progress.saveResult('a', 0, 'embed', embed(V1, v1.a)), /descriptor model is shoebox-global-v2 now/);
      assert.deepEqual(await repo.vectorCounts(), { active: { [V2]: 4 }, staged: {} });
    });
  });
}
