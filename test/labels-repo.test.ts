/**
 * Few-shot labels in the store (issue 17), on both stores: labels and examples (positive / "not this",
 * who and when), prototypes recomputed for one label or all of them with the descriptor model recorded,
 * suggestions above the calibrated threshold, a newly analysed photo scored, vectors of another model
 * never mixed in, evaluation runs stored with their curve. The vectors are made up (two kinds of photo);
 * the database, the repository and the learning code are the real ones.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { LabelError, LabelsRepo } from '../src-core/store/repos/labels-repo.js';
import { recomputePrototypes, scorePhoto, evaluateLabel } from '../src-core/learning/label-learning.js';
import { seededRandom } from '../src-core/learning/fewshot.js';
import { insertPhoto } from './helpers/people-fixtures.js';
import { storeBackends } from './helpers/store-backends.js';

const MODEL = 'shoebox-global-v1';
const DIMS = 32;
const random = seededRandom(42);

/** A photo of kind A (a face fills it, vector near axis 0) or B (text, vector near axis 1). */
function vectorOf(kind: 'A' | 'B'): Float32Array {
  const v = new Float32Array(DIMS).map(() => (random() - 0.5) * 0.3);
  v[kind === 'A' ? 0 : 1]! += 1;
  return v;
}
const detectOf = (kind: 'A' | 'B') =>
  kind === 'A' ? { faces: [{ box: [0.2, 0.2, 0.5, 0.6] }], objects: [{ label: 'person', score: 0.9 }], text: [] } : { faces: [], objects: [], text: [{ box: [0.1, 0.1, 0.8, 0.1] }, { box: [0.1, 0.3, 0.8, 0.1] }] };

async function addPhoto(store: Store, id: string, kind: 'A' | 'B', model = MODEL): Promise<void> {
  await insertPhoto(store.sql, id);
  const vector = vectorOf(kind);
  await store.sql.transaction(async (tx) => {
    await store.embeddings.write(tx, id, 1, { model, dims: DIMS, vector: Buffer.from(vector.buffer).toString('base64') });
    await tx.run(`INSERT INTO photo_results (photo_id, stage, json, updated_at) VALUES (?, 'detect', ?, ?)`, [id, JSON.stringify(detectOf(kind)), new Date().toISOString()]);
  });
}

for (const backend of storeBackends()) {
  describe(`labels repository: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    let repo: LabelsRepo;
    before(async () => {
      store = await openStore(await backend.setup());
      repo = new LabelsRepo(store.sql);
      for (let i = 0; i < 12; i++) await addPhoto(store, `a${i}`, 'A');
      for (let i = 0; i < 20; i++) await addPhoto(store, `b${i}`, 'B');
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
    });

    it('creates a label once (names are case-insensitive) and refuses an empty or unknown one', async () => {
      const a = await repo.label('  My Dog ', true);
      const b = await repo.label('my dog', true);
      assert.equal(a.id, b.id);
      assert.equal(a.name, 'My Dog');
      await assert.rejects(repo.label('   ', true), (e: Error) => e instanceof LabelError && /1–100 characters/.test(e.message));
      await assert.rejects(repo.label('nobody'), (e: Error) => e instanceof LabelError && e.code === 'not-found');
    });

    it('keeps examples with who and when; marking a photo again changes its kind', async () => {
      const l = await repo.label('faces', true);
      await repo.addExamples(l.id, ['a0', 'a1', 'a2', 'b0'], 'positive', 'test');
      await repo.addExamples(l.id, ['b0', 'b1'], 'negative', 'person');
      const ex = await repo.examples(l.id);
      assert.equal(ex.length, 5);
      assert.deepEqual(ex.filter((e) => e.kind === 'negative').map((e) => e.photoId).sort(), ['b0', 'b1']);
      assert.equal(ex.find((e) => e.photoId === 'b0')!.createdBy, 'person');
      assert.ok(ex.every((e) => e.path.startsWith('/photos/') && e.createdAt));
    });

    it('recomputes a label: prototype of the current model, a threshold from the examples, suggestions of its kind only', async () => {
      const l = await repo.label('faces');
      const [outcome] = await recomputePrototypes(store.sql, l.id);
      assert.equal(outcome!.positives, 3);
      assert.equal(outcome!.negatives, 2);
      assert.equal(outcome!.model, MODEL);
      assert.equal(outcome!.scored, 32);
      const proto = (await repo.prototype(l.id))!;
      assert.equal(proto.model, MODEL);
      assert.ok(Number.isFinite(proto.threshold));
      const suggestions = await repo.suggestions(l.id, proto.threshold, 100);
      const ids = suggestions.map((s) => s.photoId);
      // Examples are never suggested; most other A photos are (9 left), no B photo is.
      assert.ok(!ids.some((id) => ['a0', 'a1', 'a2', 'b0', 'b1'].includes(id)));
      assert.ok(ids.filter((id) => id.startsWith('a')).length >= 7, ids.join(','));
      assert.deepEqual(ids.filter((id) => id.startsWith('b')), []);
      for (let i = 1; i < suggestions.length; i++) assert.ok(suggestions[i - 1]!.score >= suggestions[i]!.score);
      // The recalculation left an evaluation run.
      const [run] = await repo.evalRuns(l.id);
      assert.equal(run!.model, MODEL);
      assert.equal(run!.positives, 3);
    });

    it('scores a photo analysed later; a photo of another descriptor model is never scored or suggested', async () => {
      const l = await repo.label('faces');
      await addPhoto(store, 'a-new', 'A');
      await addPhoto(store, 'a-other-model', 'A', 'shoebox-global-v2');
      assert.equal(await scorePhoto(store.sql, 'a-new'), 1);
      assert.equal(await scorePhoto(store.sql, 'a-other-model'), 0);
      const proto = (await repo.prototype(l.id))!;
      const ids = (await repo.suggestions(l.id, proto.threshold, 100)).map((s) => s.photoId);
      assert.ok(ids.includes('a-new'));
      assert.ok(!ids.includes('a-other-model'));
      // Even a full recalculation reads only the library's current model.
      await recomputePrototypes(store.sql, l.id);
      assert.equal(await repo.score(l.id, 'a-other-model'), null);
    });

    it('recomputes every label when none is named; a label without examples gets no prototype', async () => {
      const empty = await repo.label('empty', true);
      const text = await repo.label('text', true);
      await repo.addExamples(text.id, ['b2', 'b3', 'b4'], 'positive', 'test');
      const outcomes = await recomputePrototypes(store.sql);
      assert.equal(outcomes.length, (await repo.allLabelIds()).length);
      assert.equal(await repo.prototype(empty.id), null);
      const proto = (await repo.prototype(text.id))!;
      const ids = (await repo.suggestions(text.id, proto.threshold, 100)).map((s) => s.photoId);
      assert.ok(ids.length > 0 && ids.every((id) => id.startsWith('b')), ids.join(','));
      const summary = (await repo.list()).find((s) => s.id === text.id)!;
      assert.equal(summary.positives, 3);
      assert.equal(summary.suggestions, ids.length);
    });

    it('stores an evaluation run with precision, recall, F1 and the curve; one example is too few', async () => {
      const l = await repo.label('faces');
      const run = await evaluateLabel(store.sql, l.id, 7);
      assert.equal(run.seed, 7);
      assert.equal(run.folds, 5);
      assert.ok(run.precision >= 0 && run.precision <= 1 && run.recall >= 0 && run.recall <= 1);
      assert.ok(run.curve.length > 0 && run.curve.every((p) => p.precision >= 0 && p.recall <= 1));
      assert.equal((await repo.evalRuns(l.id))[0]!.id, run.id);
      const one = await repo.label('one', true);
      await repo.addExamples(one.id, ['a5'], 'positive', 'test');
      await assert.rejects(evaluateLabel(store.sql, one.id), /at least 2 examples/);
    });
  });
}
