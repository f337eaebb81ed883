/**
 * Face-model upgrades in the store (VectorModelsRepo with kind 'face', face-vectors.ts), on both stores:
 * while the upgrade runs people search (PeopleRepo.neighbours) reads the old model's vectors only; the
 * cut-over refuses while a photo waits, then rewrites the face rows and the detect results in one step,
 * keeps every person decision (names, assignments, "not this person"), empties the faces of a photo that
 * could not be re-embedded instead of mixing models, and a late detect result of the old model is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { PeopleRepo, type NewFace } from '../src-core/store/repos/people-repo.js';
import { VectorModelsRepo } from '../src-core/store/repos/vector-models-repo.js';
import { storeBackends } from './helpers/store-backends.js';

const V1 = 'face-feature-v1';
const V2 = 'face-feature-v2';
const DIMS = 8;

function unit(...v: number[]): Float32Array {
  const f = new Float32Array(DIMS);
  v.forEach((x, i) => (f[i] = x));
  const n = Math.hypot(...f);
  return f.map((x) => x / n);
}
const b64 = (f: Float32Array): string => Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
const fromB64 = (s: string): number[] => {
  const buf = Buffer.from(s, 'base64');
  return Array.from(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)));
};
const box = (i: number): [number, number, number, number] => [0.1 + i * 0.3, 0.1, 0.2, 0.2];

for (const backend of storeBackends()) {
  describe(`face model upgrades in the store: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    let repo: VectorModelsRepo;
    let people: PeopleRepo;
    // v1 puts a near b (and c far); v2 (deliberately) puts a near c: the search shows which model answered.
    const v1 = { a: unit(1, 0, 0), b: unit(1, 0.1, 0), c: unit(0, 1, 0), d: unit(0, 0, 1) };
    const v2 = { a: unit(0, 0, 0, 1), b: unit(0, 0, 0, 0, 0, 1), c: unit(0, 0, 0, 1, 0.1), d: unit(0, 0, 0, 0, 0, 0, 1) };
    // Photo → its faces (by detect index).
    const photoFaces = { pa: ['a'], pb: ['b'], pc: ['c', 'd'] } as const;
    const faceIds: Record<string, string> = {};
    let named: string;
    let other: string;

    before(async () => {
      store = await openStore(await backend.setup());
      repo = new VectorModelsRepo(store.sql);
      people = new PeopleRepo(store.sql);
      await store.ingests.create('ing', ['/p']);
      await store.ingests.registerFiles('ing', [...Object.keys(photoFaces), 'pn'].map((id) => ({ kind: 'new' as const, photoId: id, path: `/p/${id}.jpg`, size: 1, mtimeMs: 1 })));
      for (const [photo, names] of Object.entries(photoFaces)) {
        const faces = names.map((n, i) => ({ box: box(i), score: 0.99, landmarks: [], embedding: b64(v1[n]) }));
        await store.progress.saveResult(photo, 0, 'detect', { faces, faceModel: V1, objects: [], text: [] });
        const rows: NewFace[] = names.map((n, i) => ({ index: i, box: box(i), score: 0.99, sizePx: 120, sharpness: 1, gate: 'ok', model: V1, embedding: v1[n] }));
        const { ids } = await people.replacePhotoFaces(photo, 0, rows);
        names.forEach((n, i) => (faceIds[n] = ids[i]!));
      }
      // A photo without faces: nothing to re-embed, never pending.
      await store.progress.saveResult('pn', 0, 'detect', { faces: [], faceModel: V1, objects: [], text: [] });
      // What a person decided: a named person with a and b, "c is not that person", d in another person.
      named = await people.createPerson('Ada');
      await people.moveFace(faceIds.a!, named);
      await people.moveFace(faceIds.b!, named);
      await people.notThisPerson(faceIds.c!, named);
      other = await people.createPerson();
      await people.assign(faceIds.d!, other, 'machine');
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
    });

    const nearestTo = async (face: string) => (await people.neighbours(faceIds[face]!, 2, 1)).map((n) => n.faceId)[0];

    it('lists the face model beside the descriptor, with its own choices', async () => {
      assert.deepEqual(await repo.models('face'), { active: V1, target: null });
      const s = await repo.status('face');
      assert.deepEqual([s.kind, s.state, s.available], ['face', 'idle', [V1, V2]]);
      await assert.rejects(repo.begin('face', 'shoebox-global-v2'), /unknown face model "shoebox-global-v2": use one of face-feature-v1, face-feature-v2/);
      assert.equal(await nearestTo('a'), faceIds.b);
    });

    it('during the upgrade: people search reads v1 only; staged vectors are invisible', async () => {
      assert.equal((await repo.begin('face', V2)).started, true);
      assert.deepEqual(await repo.models('face'), { active: V1, target: V2 });
      assert.deepEqual(await repo.models('descriptor'), { active: 'shoebox-global-v1', target: null }, 'the descriptor is not touched');
      let s = await repo.status('face');
      assert.deepEqual([s.state, s.done, s.total], ['running', 0, 3]);
      assert.deepEqual((await repo.pendingPhotos(10, new Set(), 'face')).map((p) => p.photoId), ['pa', 'pb', 'pc']);

      assert.equal(await repo.stageFaces('pa', 0, V2, [v2.a]), true);
      assert.equal(await repo.stageFaces('pc', 0, V2, [v2.c, v2.d]), true);
      assert.equal(await repo.stageFaces('pb', 3, V2, [v2.b]), false, 'an old revision is not staged');
      assert.equal(await repo.stageFaces('pb', 0, V1, [v1.b]), false, 'only the target is staged');
      s = await repo.status('face');
      assert.deepEqual([s.done, s.total], [2, 3]);
      assert.equal(await nearestTo('a'), faceIds.b, 'still v1');
      assert.deepEqual(await repo.vectorCounts('face'), { active: { [V1]: 4 }, staged: { [V2]: 2 } });
      assert.deepEqual(await repo.cutOver('face'), { cutOver: false, pending: 1 });
      assert.equal(await nearestTo('a'), faceIds.b, 'a refused cut-over changes nothing');
    });

    it('cuts over in one step: every face row and detect result is v2, every person decision kept', async () => {
      await repo.stageFaces('pb', 0, V2, [v2.b]);
      const cut = await repo.cutOver('face');
      assert.deepEqual(cut, { cutOver: true, from: V1, to: V2, replaced: 3, dropped: 0, droppedResults: 0 });
      assert.deepEqual(await repo.models('face'), { active: V2, target: null });
      assert.deepEqual(await repo.vectorCounts('face'), { active: { [V2]: 4 }, staged: {} });
      // People search answers from v2 now.
      assert.equal(await nearestTo('a'), faceIds.c);
      // Detect results carry the v2 vectors (what the cluster-faces job reads), face rows too.
      for (const [photo, names] of Object.entries(photoFaces)) {
        const row = await store.sql.get<{ json: string }>(`SELECT json FROM photo_results WHERE photo_id = ? AND stage = 'detect'`, [photo]);
        const detect = JSON.parse(row!.json) as { faces: Array<{ embedding: string }>; faceModel: string };
        assert.equal(detect.faceModel, V2);
        names.forEach((n, i) => assert.deepEqual(fromB64(detect.faces[i]!.embedding), Array.from(v2[n])));
      }
      // Decisions: names, the person's own assignments, the negative; the machine's assignment is still there (the recluster re-decides it).
      assert.equal((await people.person(named))?.name, 'Ada');
      assert.deepEqual((await people.facesWithPhotos({ personId: named })).map((f) => f.id).sort(), [faceIds.a, faceIds.b].sort());
      assert.equal((await people.face(faceIds.a!))?.source, 'person');
      assert.deepEqual([...(await people.negativesOf(faceIds.c!))], [named]);
      assert.equal((await people.face(faceIds.d!))?.personId, other);
    });

    it('refuses a detect result with faces of the old model after the cut-over', async () => {
      const faces = [{ box: box(0), score: 0.99, landmarks: [], embedding: b64(v1.a) }];
      await assert.rejects(store.progress.saveResult('pa', 0, 'detect', { faces, faceModel: V1, objects: [], text: [] }), /face-feature-v1, but the library's face model is face-feature-v2/);
      await store.progress.saveResult('pn', 0, 'detect', { faces: [], faceModel: V1, objects: [], text: [] }); // no faces: nothing to mix
    });

    it('a photo that cannot be re-embedded loses its vectors, not its person', async () => {
      assert.equal((await repo.begin('face', V1)).started, true);
      await repo.stageFaces('pa', 0, V1, [v1.a]);
      await repo.stageFaces('pc', 0, V1, [v1.c, v1.d]);
      const cut = await repo.cutOver('face', new Set(['pb']));
      assert.deepEqual(cut, { cutOver: true, from: V2, to: V1, replaced: 2, dropped: 1, droppedResults: 1 });
      assert.deepEqual(await repo.vectorCounts('face'), { active: { [V1]: 4 }, staged: {} });
      const b = await people.face(faceIds.b!);
      assert.deepEqual([b?.gate, b?.personId, b?.model], ['no-embedding', named, V1]);
      assert.deepEqual(await people.neighbours(faceIds.a!, 2, 10).then((n) => n.map((x) => x.faceId).includes(faceIds.b!)), false, 'an emptied face is out of search');
      const row = await store.sql.get<{ json: string }>(`SELECT json FROM photo_results WHERE photo_id = 'pb' AND stage = 'detect'`);
      assert.deepEqual((JSON.parse(row!.json) as { faces: Array<{ embedding: string }> }).faces.map((f) => f.embedding), ['']);
    });
  });
}
