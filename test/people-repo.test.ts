/**
 * People on both stores: faces and their gate verdicts, the vector neighbours, incremental clustering,
 * what a person says (names, merges, moved faces, "not this person", hidden) surviving a full
 * recluster, a re-analysis and a restart, and a process killed mid-cluster.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src-core/store/open-store.js';
import type { Store, StoreConfig } from '../src-core/store/store.js';
import { PeopleError, PeopleRepo } from '../src-core/store/repos/people-repo.js';
import { SearchRepo } from '../src-core/store/repos/search-repo.js';
import { clusterFaceIds, clusterInTransaction, DEFAULT_CLUSTER_OPTIONS, reclusterAll } from '../src-worker/people/clusterer.js';
import { Identities, insertPhoto } from './helpers/people-fixtures.js';
import { storeBackends } from './helpers/store-backends.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Person id of each face, by face id. */
async function personOf(repo: PeopleRepo, faceIds: string[]): Promise<(string | null)[]> {
  return Promise.all(faceIds.map(async (id) => (await repo.face(id))?.personId ?? null));
}

for (const backend of storeBackends()) {
  describe(`people: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let config: StoreConfig;
    let store: Store;
    let repo: PeopleRepo;
    const ids = new Identities(11);
    /** face ids by label, in insertion order */
    const faces: Record<string, string[]> = {};

    async function addPhoto(photoId: string, who: string[], takenAt: string | null = null): Promise<string[]> {
      await insertPhoto(store.sql, photoId, takenAt);
      const { ids: stored } = await repo.replacePhotoFaces(photoId, 1, who.map((w, i) => ids.face(w, i)));
      who.forEach((w, i) => (faces[w] ??= []).push(stored[i]!));
      return stored;
    }

    before(async () => {
      config = await backend.setup();
      store = await openStore(config);
      repo = new PeopleRepo(store.sql);
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
    });

    it('stores faces with their gate verdict; only gated faces are pending and found as neighbours', async () => {
      await insertPhoto(store.sql, 'p-dog');
      const { ids: [dog] } = await repo.replacePhotoFaces('p-dog', 1, [ids.face('dog', 0, { gate: 'implausible-landmarks' })]);
      assert.deepEqual(await repo.pendingFaceIds(), []);
      const a1 = await addPhoto('p-a1', ['ann'], '2020-01-02T10:00:00');
      const a2 = await addPhoto('p-a2', ['ann'], '2019-05-01T10:00:00');
      assert.deepEqual((await repo.pendingFaceIds()).sort(), [...a1, ...a2].sort());
      const near = await repo.neighbours(a1[0]!, 0.6, 10);
      assert.deepEqual(near.map((n) => n.faceId), a2);
      assert.ok(near[0]!.distance > 0.05 && near[0]!.distance < 0.45, `distance ${near[0]!.distance}`);
      assert.equal((await repo.face(dog!))?.gate, 'implausible-landmarks');
      assert.equal((await repo.facesWithPhotos({ lowQuality: true })).length, 1);
    });

    it('clusters new faces incrementally: a person starts at minFaces, later faces join it, strangers stay apart', async () => {
      const first = await clusterInTransaction(store.sql, await repo.pendingFaceIds());
      assert.equal(first.created, 1);
      const [ann1, ann2] = await personOf(repo, faces.ann!);
      assert.ok(ann1 && ann1 === ann2);
      // A lone stranger stays unassigned (minFaces 2); a second photo of her starts her person.
      await addPhoto('p-bea1', ['bea']);
      await clusterInTransaction(store.sql, await repo.pendingFaceIds());
      assert.equal((await repo.face(faces.bea![0]!))?.personId, null);
      await addPhoto('p-bea2', ['bea']);
      const outcome = await clusterInTransaction(store.sql, await repo.pendingFaceIds());
      assert.equal(outcome.looked, 1, 'only the new face is looked at');
      const [bea1, bea2] = await personOf(repo, faces.bea!);
      assert.ok(bea1 && bea1 === bea2 && bea1 !== ann1);
      await addPhoto('p-a3', ['ann']);
      await clusterInTransaction(store.sql, await repo.pendingFaceIds());
      assert.equal((await repo.face(faces.ann![2]!))?.personId, ann1);
    });

    it('never puts two faces of one photo in the same person', async () => {
      // Two faces of ann in one photo (a mirror, a poster): the machine gives only one of them to her.
      const twins = await addPhoto('p-mirror', ['ann', 'ann']);
      await clusterInTransaction(store.sql, twins);
      const persons = await personOf(repo, twins);
      assert.notEqual(persons[0], persons[1]);
      assert.ok(persons.includes((await repo.face(faces.ann![0]!))!.personId));
      await reclusterAll(store.sql);
      const again = await personOf(repo, twins);
      assert.ok(again[0] === null || again[0] !== again[1]);
    });

    it('names, merges, moved faces, negatives and hidden persons survive a full recluster', async () => {
      const ann = (await repo.face(faces.ann![0]!))!.personId!;
      const bea = (await repo.face(faces.bea![0]!))!.personId!;
      await repo.setName(ann, 'Ann');
      // Cara's two photos make a person; the person says she is Bea (merge).
      await addPhoto('p-cara1', ['cara']);
      await addPhoto('p-cara2', ['cara']);
      await clusterInTransaction(store.sql, await repo.pendingFaceIds());
      const cara = (await repo.face(faces.cara![0]!))!.personId!;
      assert.ok(cara && cara !== bea);
      await repo.merge(cara, bea);
      await repo.setName(bea, 'Bea');
      // "Not Ann" on her third face; hide a person made of Dan's faces.
      await repo.notThisPerson(faces.ann![2]!, ann);
      await addPhoto('p-dan1', ['dan']);
      await addPhoto('p-dan2', ['dan']);
      await clusterInTransaction(store.sql, await repo.pendingFaceIds());
      const dan = (await repo.face(faces.dan![0]!))!.personId!;
      await repo.setHidden(dan, true);

      await reclusterAll(store.sql);
      await reclusterAll(store.sql); // twice: nothing drifts
      assert.equal((await repo.person(ann))?.name, 'Ann');
      assert.deepEqual(await personOf(repo, faces.ann!.slice(0, 2)), [ann, ann]);
      assert.notEqual((await repo.face(faces.ann![2]!))?.personId, ann, 'the negative holds');
      assert.deepEqual(await personOf(repo, [...faces.bea!, ...faces.cara!]), [bea, bea, bea, bea]);
      assert.equal((await repo.person(bea))?.name, 'Bea');
      assert.equal(await repo.person(cara), null, 'the merged person is gone');
      assert.equal((await repo.person(dan))?.hidden, true);
      assert.deepEqual(await personOf(repo, faces.dan!), [dan, dan]);
      assert.ok(!(await repo.listPersons()).some((p) => p.id === dan), 'hidden persons are not listed by default');
    });

    it('a moved face stays where the person put it, and a re-analysis keeps it (same box, new embedding)', async () => {
      const ann = (await repo.face(faces.ann![0]!))!.personId!;
      const bea = (await repo.face(faces.bea![0]!))!.personId!;
      const moved = faces.ann![1]!;
      await repo.moveFace(moved, bea);
      await reclusterAll(store.sql);
      assert.equal((await repo.face(moved))?.personId, bea);
      // The photo is analysed again by a new model: same box, another embedding.
      const { ids: [again] } = await repo.replacePhotoFaces('p-a2', 2, [ids.face('ann', 0, { model: 'test-model@2' })]);
      assert.equal(again, moved, 'the face keeps its id');
      assert.equal((await repo.face(moved))?.personId, bea);
      assert.equal((await repo.face(moved))?.source, 'person');
      // A restart: a new store connection sees the same.
      await store.close();
      store = await openStore(config);
      repo = new PeopleRepo(store.sql);
      assert.equal((await repo.face(moved))?.personId, bea);
      assert.equal((await repo.person(ann))?.name, 'Ann');
    });

    it('filters photos by one person or several together, and lists a person\'s photos by date', async () => {
      const ann = (await repo.face(faces.ann![0]!))!.personId!;
      const bea = (await repo.face(faces.bea![0]!))!.personId!;
      await insertPhoto(store.sql, 'p-both');
      const { ids: both } = await repo.replacePhotoFaces('p-both', 1, [ids.face('ann', 0), ids.face('bea', 1)]);
      await repo.moveFace(both[0]!, ann);
      await repo.moveFace(both[1]!, bea);
      assert.ok((await repo.photoIdsWithPersons([ann])).includes('p-a1'));
      const together = await repo.photoIdsWithPersons([ann, bea]);
      assert.ok(together.includes('p-both'));
      for (const photoId of together) {
        const persons = new Set((await repo.photoFaces(photoId)).map((f) => f.personId));
        assert.ok(persons.has(ann) && persons.has(bea), `${photoId} shows both`);
      }
      assert.ok(!together.includes('p-a1'));
      const byDate = await repo.facesWithPhotos({ personId: ann });
      const dated = byDate.filter((f) => f.takenAt).map((f) => f.takenAt!);
      assert.deepEqual(dated, [...dated].sort());
      await assert.rejects(repo.setName('nobody', 'x'), (e: unknown) => e instanceof PeopleError && e.code === 'person-not-found');
      await assert.rejects(repo.merge(ann, ann), (e: unknown) => e instanceof PeopleError && e.code === 'invalid-request');
    });

    it('a named person is found by the search field and offered by auto-complete; a hidden one is not', async () => {
      const ann = (await repo.face(faces.ann![0]!))!.personId!;
      await repo.setName(ann, 'Annabel Lee');
      const search = new SearchRepo(store.sql);
      const found = await search.page({ q: 'annabel' }, 50, 0);
      assert.ok(found.ids.includes('p-a1'), `search "annabel" finds Ann's photo: ${found.ids.join(', ')}`);
      assert.ok(!found.ids.some((id) => id.startsWith('p-bea')), 'and none of Bea alone');
      const suggestions = await search.suggest('Anna');
      assert.ok(suggestions.some((s) => s.kind === 'person' && s.text === 'Annabel Lee'), JSON.stringify(suggestions));
      await repo.setHidden(ann, true);
      assert.equal((await search.page({ q: 'annabel' }, 50, 0)).total, 0);
      await repo.setHidden(ann, false);
      // The library filtered by people: every listed person must be in the photo.
      const bea = (await repo.face(faces.bea![0]!))!.personId!;
      const withBoth = await search.page({ personIds: [ann, bea] }, 50, 0);
      assert.ok(withBoth.ids.includes('p-both') && !withBoth.ids.includes('p-a1'), withBoth.ids.join(', '));
      assert.ok((await search.page({ personIds: [ann] }, 50, 0)).ids.includes('p-a1'));
    });

    it('a process killed in the middle of clustering leaves no half-made person', async () => {
      await addPhoto('p-eve1', ['eve']);
      await addPhoto('p-eve2', ['eve']);
      const before = await repo.counts();
      const child = spawn(process.execPath, [path.join(here, 'helpers', 'people-kill-child.js'), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
      assert.equal(signal, 'SIGKILL', 'the child died mid-cluster');
      // Reopen (SQLite: the killed writer's transaction rolled back; Postgres: its session ended).
      await store.close();
      store = await openStore(config);
      repo = new PeopleRepo(store.sql);
      assert.deepEqual(await repo.counts(), before);
      assert.deepEqual(await personOf(repo, faces.eve!), [null, null]);
      await clusterInTransaction(store.sql, await repo.pendingFaceIds());
      const [e1, e2] = await personOf(repo, faces.eve!);
      assert.ok(e1 && e1 === e2);
    });

    it('clusters on the plain connection too (no transaction) with the same rules', async () => {
      await addPhoto('p-fay1', ['fay']);
      await addPhoto('p-fay2', ['fay']);
      const out = await clusterFaceIds(repo, faces.fay!, DEFAULT_CLUSTER_OPTIONS);
      assert.equal(out.created, 1);
    });
  });
}
