/**
 * Culling's store (GroupsRepo) and service on both stores: machine groups and the person's decisions
 * kept apart, a regroup that keeps the person's decisions and splits, a merge remembered, and a write
 * that fails half-way leaving no half group.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { groupPhoto, mergeGroups, pickPhoto, regroupAll, rejectPhoto, restoreDecisions, splitOut } from '../src-core/culling/culling-service.js';
import { GroupsRepo } from '../src-core/store/repos/groups-repo.js';
import { PhotoPresetsRepo } from '../src-core/store/repos/photo-presets-repo.js';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { storeBackends } from './helpers/store-backends.js';
import { DEFAULT_DESCRIPTOR_MODEL } from '../src-shared/vector-models.js';

const DIMS = 8;

/** A unit vector near axis `axis`, nudged by `jitter` along the next axis. */
function vector(axis: number, jitter = 0): string {
  const v = new Float32Array(DIMS);
  v[axis % DIMS] = 1;
  v[(axis + 1) % DIMS] = jitter;
  return Buffer.from(v.buffer).toString('base64');
}

interface Fake {
  id: string;
  axis: number;
  jitter?: number;
  takenAt?: string | null;
  camera?: [string, string] | null;
  lap?: number;
  width?: number;
  dhash?: string;
}

/** A photo as the analysis leaves it: registered, derivatives, metadata, results, done. */
async function addPhoto(store: Store, ingestId: string, p: Fake): Promise<void> {
  await store.ingests.registerFiles(ingestId, [{ kind: 'new', photoId: p.id, path: `/photos/${p.id}.jpg`, size: 100, mtimeMs: 1 }]);
  await store.progress.saveDerivatives(p.id, 0, {
    thumbnailPath: `t/${p.id}.jpg`,
    previewPath: `p/${p.id}.jpg`,
    width: p.width ?? 4000,
    height: 3000,
    dhash: p.dhash ?? '0f0f0f0f0f0f0f0f',
    format: 'jpeg',
  });
  await store.progress.saveMetadata(p.id, 0, {
    takenAt: p.takenAt ?? null,
    make: p.camera?.[0] ?? null,
    model: p.camera?.[1] ?? null,
    lens: null,
    orientation: 1,
    width: 4000,
    height: 3000,
    iso: null,
    exposureTime: null,
    fNumber: null,
    focalLength: null,
    gps: null,
    rating: null,
    keywords: [],
  });
  await store.progress.saveResult(p.id, 0, 'detect', { faces: [], objects: [], text: [] });
  await store.progress.saveResult(p.id, 0, 'quality', { score: 4, parts: { sharpness: 0.8, laplacianVariance: p.lap ?? 1000, clippedHighlights: 0, clippedShadows: 0 } });
  await store.progress.saveResult(p.id, 0, 'embed', { model: DEFAULT_DESCRIPTOR_MODEL, dims: DIMS, vector: vector(p.axis, p.jitter) });
  await store.progress.completePhoto(p.id, 0);
}

for (const backend of storeBackends()) {
  describe(`culling groups: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    let repo: GroupsRepo;
    before(async () => {
      store = await openStore(await backend.setup());
      repo = new GroupsRepo(store.sql);
      await store.ingests.create('ing', ['/photos']);
      // Three copies of one picture (dup-a is the sharpest, largest), a burst of three frames, an unrelated photo.
      for (const p of [
        { id: 'dup-a', axis: 0, lap: 1500 },
        { id: 'dup-b', axis: 0, jitter: 0.01, width: 2000 },
        { id: 'dup-c', axis: 0, jitter: 0.02, lap: 900 },
        { id: 'burst-1', axis: 3, takenAt: '2024-05-01T10:00:00', camera: ['Canon', 'EOS R5'] },
        { id: 'burst-2', axis: 3, jitter: 0.3, takenAt: '2024-05-01T10:00:01', camera: ['Canon', 'EOS R5'], lap: 200 },
        { id: 'burst-3', axis: 3, jitter: 0.5, takenAt: '2024-05-01T10:00:02', camera: ['Canon', 'EOS R5'] },
        { id: 'far-cam', axis: 3, jitter: 0.3, takenAt: '2024-05-01T10:00:12', camera: ['Nikon', 'Z6'], dhash: '3c3c3c3c3c3c3c3c' },
        { id: 'other', axis: 6 },
      ] satisfies Fake[]) {
        await addPhoto(store, 'ing', p as Fake);
      }
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
    });

    it('writes a group whole, lists it best first, and drops a group left with one photo', async () => {
      const id = await repo.transaction((tx) =>
        tx.writeGroup({
          id: null,
          kind: 'duplicate',
          members: [
            { photoId: 'dup-a', score: 90, reasons: ['sharpest'], machinePick: true },
            { photoId: 'dup-b', score: 50, reasons: ['smaller copy'], machinePick: false },
          ],
        }),
      );
      const [g] = await repo.listGroups({ kind: 'duplicate', limit: 10 });
      assert.equal(g!.id, id);
      assert.deepEqual(g!.members.map((m) => [m.photoId, m.machinePick, m.reasons]), [['dup-a', true, ['sharpest']], ['dup-b', false, ['smaller copy']]]);
      assert.equal(await repo.removeMember('dup-b', 'duplicate'), id);
      assert.equal(await repo.countGroups('duplicate'), 0, 'one photo is no group');
    });

    it('groups photos as they arrive: copies join one duplicate group, frames chain into a burst', async () => {
      for (const id of ['dup-a', 'dup-b', 'dup-c', 'burst-1', 'burst-2', 'burst-3', 'far-cam', 'other']) await groupPhoto(store, id);
      const groups = await repo.listGroups({ limit: 10 });
      const byKind = Object.fromEntries(groups.map((g) => [g.kind, g.members.map((m) => m.photoId).sort()]));
      assert.deepEqual(byKind, { duplicate: ['dup-a', 'dup-b', 'dup-c'], burst: ['burst-1', 'burst-2', 'burst-3'] });
      const burst = groups.find((g) => g.kind === 'burst')!;
      assert.notEqual(burst.members.find((m) => m.machinePick)!.photoId, 'burst-2', 'the blurred frame is not the pick');
      assert.ok(burst.members.find((m) => m.photoId === 'burst-2')!.reasons.includes('motion blur'));
      assert.equal(groups.find((g) => g.kind === 'duplicate')!.members.find((m) => m.machinePick)!.photoId, 'dup-a');
      assert.equal(await repo.countUnreviewed(), 2);
    });

    it("a regroup keeps the person's pick, reject and split; nothing else is touched", async () => {
      await pickPhoto(store, 'dup-c');
      await rejectPhoto(store, 'dup-b');
      await splitOut(store, 'burst-3', 'burst');
      const before = await repo.listGroups({ limit: 10 });
      assert.deepEqual(before.find((g) => g.kind === 'burst')!.members.map((m) => m.photoId).sort(), ['burst-1', 'burst-2']);
      const result = await regroupAll(store);
      assert.deepEqual(result.groups, { duplicate: 1, burst: 1 });
      const after = await repo.listGroups({ limit: 10 });
      assert.deepEqual(after.find((g) => g.kind === 'burst')!.members.map((m) => m.photoId).sort(), ['burst-1', 'burst-2'], 'the split photo stays out');
      const dup = after.find((g) => g.kind === 'duplicate')!;
      assert.deepEqual(
        dup.members.map((m) => [m.photoId, m.decision.picked, m.decision.rejected]).sort(),
        [
          ['dup-a', false, false],
          ['dup-b', false, true],
          ['dup-c', true, false],
        ],
      );
      assert.equal(dup.members.find((m) => m.machinePick)!.photoId, 'dup-a', "the machine's pick is kept apart from the person's");
      assert.equal(await repo.countUnreviewed(), 1, 'the burst: a split is not a pick or a reject');
      // Arriving again (a re-run group job) does not undo the split either.
      await groupPhoto(store, 'burst-3');
      const burst = (await repo.listGroups({ kind: 'burst', limit: 10 }))[0]!;
      assert.ok(!burst.members.some((m) => m.photoId === 'burst-3'));
    });

    it("one reject and one rating per photo: culling's and the Library's marks are the same (−1 is the reject)", async () => {
      const marks = new PhotoPresetsRepo(store.sql);
      // dup-b was rejected in culling (the test before): the Library (and the sidecar writer) read −1.
      assert.equal((await marks.marks('dup-b'))?.rating, -1);
      // A reject and stars set in the Library show in culling; the colour label is not culling's to change.
      await marks.setMarks(['dup-a'], { rating: -1, label: 'red' });
      await marks.setMarks(['burst-1'], { rating: 4 });
      const decisions = await repo.decisions(['dup-a', 'burst-1', 'dup-b', 'far-cam']);
      assert.deepEqual(decisions.get('dup-a'), { picked: false, rejected: true, rating: null });
      assert.deepEqual(decisions.get('burst-1'), { picked: false, rejected: false, rating: 4 });
      assert.equal(decisions.has('far-cam'), false, 'no decision and no mark: nothing');
      assert.equal(await repo.countUnreviewed('duplicate'), 0);
      // Picking a rejected photo lifts its reject; the changed mark is reported (its sidecar is rewritten).
      const picked = await pickPhoto(store, 'dup-a');
      assert.deepEqual(picked.marksChanged, ['dup-a']);
      assert.deepEqual(await marks.marks('dup-a'), { rating: null, label: 'red' });
      assert.equal((await repo.decisions(['dup-c'])).get('dup-c')!.picked, false, "the group's other pick is cleared");
      // Rejecting twice changes the mark once.
      assert.deepEqual((await rejectPhoto(store, 'burst-1')).marksChanged, ['burst-1']);
      assert.deepEqual((await rejectPhoto(store, 'burst-1')).marksChanged, []);
      assert.equal((await marks.marks('burst-1'))?.rating, -1);
      // Back as the test before left them.
      await restoreDecisions(store, new Map([
        ['dup-a', { picked: false, rejected: false, rating: null }],
        ['dup-c', { picked: true, rejected: false, rating: null }],
        ['burst-1', { picked: false, rejected: false, rating: null }],
      ]));
      assert.equal((await marks.marks('burst-1'))?.rating, null);
    });

    it('never makes a burst of photos 10 s apart from different cameras', async () => {
      const memberships = await repo.membershipsOf(['far-cam']);
      assert.deepEqual(memberships, []);
    });

    it('a merge by the person survives a regroup', async () => {
      const groups = await repo.listGroups({ limit: 10 });
      const burst = groups.find((g) => g.kind === 'burst')!;
      // A second series five minutes later, which the person says is the same scene.
      await store.ingests.create('ing2', ['/photos']);
      for (const [id, t] of [['burst-5', '10:05:00'], ['burst-6', '10:05:01']] as const) {
        await addPhoto(store, 'ing2', { id, axis: 3, jitter: 0.2, takenAt: `2024-05-01T${t}`, camera: ['Canon', 'EOS R5'] });
        await groupPhoto(store, id);
      }
      const second = (await repo.listGroups({ kind: 'burst', limit: 10 })).find((g) => g.id !== burst.id)!;
      assert.deepEqual(second.members.map((m) => m.photoId).sort(), ['burst-5', 'burst-6']);
      await mergeGroups(store, burst.id, second.id);
      await regroupAll(store);
      const bursts = await repo.listGroups({ kind: 'burst', limit: 10 });
      assert.equal(bursts.length, 1);
      assert.deepEqual(bursts[0]!.members.map((m) => m.photoId).sort(), ['burst-1', 'burst-2', 'burst-5', 'burst-6'], 'merged, and burst-3 still split out');
    });

    it('a write that fails half-way leaves the groups as they were (no half group)', async () => {
      const before = JSON.stringify(await repo.listGroups({ limit: 10 }));
      await assert.rejects(
        repo.transaction(async (tx) => {
          await tx.clearMachineGroups('duplicate');
          await tx.writeGroup({ id: null, kind: 'duplicate', members: [{ photoId: 'other', score: 1, reasons: [], machinePick: true }, { photoId: 'dup-a', score: 0, reasons: [], machinePick: false }] });
          throw new Error('killed mid-job');
        }),
        /killed mid-job/,
      );
      assert.equal(JSON.stringify(await repo.listGroups({ limit: 10 })), before);
    });
  });
}
