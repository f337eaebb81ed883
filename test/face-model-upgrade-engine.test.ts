/**
 * A face-model upgrade end to end (issue 17) on a real engine (its own redis-server, forked workers, the
 * real face models, SQLite with sqlite-vec) over real faces from ../shared/faces: the library switches
 * from face-feature-v1 to face-feature-v2. The worker running the upgrade is killed half-way (SIGKILL);
 * a photo analysed meanwhile still joins its person by the old model; the upgrade resumes and finishes.
 * While it runs, people search answers from v1 exactly as before; after the cut-over every face vector
 * is v2 (and matches v2 computed afresh), none of v1 remains, and the named people keep their names,
 * their members and the "not this person" marks through the recluster.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../src-main/engine/engine.js';
import { useModel } from '../src-main/engine/maintenance/model-upgrade-jobs.js';
import { MaintenanceRepo } from '../src-core/store/repos/maintenance-repo.js';
import { PeopleRepo } from '../src-core/store/repos/people-repo.js';
import { VectorModelsRepo } from '../src-core/store/repos/vector-models-repo.js';
import { FaceEmbedder } from '../src-worker/ml/face-embedding.js';
import { cosine } from '../src-worker/ml/embedding.js';
import { fromBase64F32 } from '../src-worker/ml/image.js';
import { loadMlImage } from '../src-worker/stages/ml-stages.js';
import { libraryPaths } from '../src-core/paths.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { repoRoot } from './helpers/photos.js';

const V1 = 'face-feature-v1';
const V2 = 'face-feature-v2';
const facesDir = path.resolve(repoRoot, '..', 'shared', 'faces');

describe('face model upgrade on a real engine', { skip: fs.existsSync(facesDir) ? false : `${facesDir} is absent` }, () => {
  let dataDir: string;
  let engine: Engine;
  let repo: VectorModelsRepo;
  let people: PeopleRepo;
  const faultBefore = process.env.SHOEBOX_TEST_FAULT;
  const folder = (names: string[], name: string) => {
    const dir = path.join(dataDir, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const n of names) fs.copyFileSync(path.join(facesDir, n), path.join(dir, n));
    return dir;
  };
  const photoId = async (file: string) => (await engine.store.photos.list({ limit: 100, offset: 0 })).find((p) => p.path.endsWith(file))!.id;
  const faceRows = () => engine.store.sql.all<{ model: string; n: number }>('SELECT model, COUNT(*) AS n FROM faces GROUP BY model ORDER BY model');
  const clustered = async (photos: number) =>
    (await engine.store.sql.all<{ photo_id: string }>('SELECT DISTINCT photo_id FROM faces')).length === photos && (await people.pendingFaceIds()).length === 0;

  before(async () => {
    dataDir = makeTempDir('face-upgrade');
    // Each photo of the upgrade waits 4 s, so the test can kill its worker half-way and analyse a photo meanwhile.
    process.env.SHOEBOX_TEST_FAULT = 'slow:model-upgrade:4000';
    engine = await startTestEngine(dataDir);
    repo = new VectorModelsRepo(engine.store.sql);
    people = new PeopleRepo(engine.store.sql);
    const summary = await engine.ingest([folder(['obama-1.jpg', 'obama-2.jpg', 'obama-4.jpg', 'biden-1.jpg', 'biden-2.jpg', 'group-obama_biden.jpg'], 'first')]);
    assert.equal(summary.failed, 0, JSON.stringify(summary));
    await waitFor(() => clustered(6), 120_000, 'the faces clustered');
  });
  after(async () => {
    await engine?.stop();
    if (faultBefore === undefined) delete process.env.SHOEBOX_TEST_FAULT;
    else process.env.SHOEBOX_TEST_FAULT = faultBefore;
    if (dataDir) removeDir(dataDir);
  });

  it('re-embeds the faces in the background, survives a killed worker, cuts over, and keeps every person decision', async (t) => {
    assert.deepEqual(await faceRows(), [{ model: V1, n: (await people.counts()).faces }]);
    // What the person decided: a name (confirming the faces), a merge into a named person, "not this person".
    const obamaFace = (await people.photoFaces(await photoId('obama-1.jpg')))[0]!;
    const bidenFace = (await people.photoFaces(await photoId('biden-1.jpg')))[0]!;
    const barack = obamaFace.personId!;
    assert.ok(barack && bidenFace.personId && bidenFace.personId !== barack, 'Obama and Biden clustered apart');
    await people.setName(barack, 'Barack');
    const joe = await people.createPerson('Joe');
    await people.merge(bidenFace.personId!, joe);
    await people.notThisPerson(obamaFace.id, joe);
    const membersOf = async (personId: string) => (await people.facesWithPhotos({ personId })).map((f) => f.id).sort();
    const barackBefore = await membersOf(barack);
    const joeBefore = await membersOf(joe);
    assert.ok(barackBefore.length >= 4 && joeBefore.length >= 3, `${barackBefore.length} / ${joeBefore.length} faces`);
    const searchBefore = await people.neighbours(obamaFace.id, 2, 10);
    assert.ok(searchBefore.length >= 5);

    const begun = await useModel(engine.store.sql, engine.lanes, 'face', V2);
    assert.equal(begun.started, true, begun.why);

    // Half-way: people search answers from v1 exactly as before; the staged v2 vectors are not in it.
    await waitFor(async () => (await repo.status('face')).done >= 2, 3 * 60_000, 'two photos re-embedded');
    const mid = await repo.status('face');
    assert.equal(mid.state, 'running');
    assert.ok(mid.done < mid.total, `${mid.done}/${mid.total}`);
    assert.deepEqual(await people.neighbours(obamaFace.id, 2, 10), searchBefore, 'people search during the upgrade: v1, unchanged');
    assert.deepEqual((await repo.vectorCounts('face')).active, { [V1]: (await people.counts()).faces });

    // Kill the worker that runs the upgrade (its pid is in the job's progress).
    const queue = engine.lanes.queue('cpu', 'maintenance');
    let pid = 0;
    await waitFor(async () => {
      const active = (await queue.getJobs(['active'])).find((j) => j?.data?.task === 'model-upgrade');
      pid = Number((active?.progress as { pid?: number } | undefined)?.pid ?? 0);
      return pid > 0;
    }, 60_000, 'the upgrade job reporting its worker');
    process.kill(pid, 'SIGKILL');
    const doneAtKill = (await repo.status('face')).done;
    assert.ok(doneAtKill < 6, `killed half-way (${doneAtKill}/6)`);

    // A photo analysed while the upgrade waits for its retry: its face joins Barack by the old model.
    await engine.ingest([folder(['obama-3.jpg'], 'late')]);
    const lateFace = async () => (await people.photoFaces(await photoId('obama-3.jpg')))[0];
    await waitFor(async () => (await lateFace())?.personId != null, 60_000, 'the late photo\'s face joining');
    assert.equal((await repo.status('face')).state, 'running', 'the late photo came during the upgrade');
    assert.deepEqual([(await lateFace())?.model, (await lateFace())?.personId], [V1, barack]);
    const lateFaceId = (await lateFace())!.id;
    assert.ok((await people.neighbours(obamaFace.id, 2, 10)).some((n) => n.faceId === lateFaceId), 'people search finds the late face (both v1)');

    await waitFor(async () => (await repo.status('face')).state !== 'running', 5 * 60_000, 'the upgrade resumed and finished');
    const done = await repo.status('face');
    assert.equal(done.state, 'done', JSON.stringify(done.result));
    assert.equal(done.active, V2);
    assert.equal((await repo.status('descriptor')).active, 'shoebox-global-v1', 'the descriptor is not touched');

    const lastUpgrade = async () => (await new MaintenanceRepo(engine.store.sql).lastRuns()).find((r) => r.task === 'model-upgrade' && r.ok);
    await waitFor(async () => (await lastUpgrade()) !== undefined, 60_000, 'the upgrade run recorded');
    const result = (await lastUpgrade())!.result as { kind: string; embedded: number; replaced: number; from: string; to: string; dropped: number };
    assert.deepEqual([result.kind, result.from, result.to, result.replaced, result.dropped], ['face', V1, V2, 7, 0]);
    assert.ok(result.embedded <= 7 - doneAtKill, `resumed: embedded ${result.embedded}, ${doneAtKill} were staged before the kill`);
    t.diagnostic(`killed at ${doneAtKill} photos staged; the resumed run embedded ${result.embedded}; upgrade ${done.startedAt} → ${done.finishedAt}`);

    // No face vector of v1 remains: face rows, detect results, staging.
    const faces = (await people.counts()).faces;
    assert.deepEqual(await repo.vectorCounts('face'), { active: { [V2]: faces }, staged: {} });
    const detects = await engine.store.sql.all<{ photo_id: string; json: string }>(`SELECT photo_id, json FROM photo_results WHERE stage = 'detect'`);
    assert.equal(detects.length, 7);
    for (const d of detects) assert.equal((JSON.parse(d.json) as { faceModel: string }).faceModel, V2);

    // The stored vector is v2 computed afresh from the preview and the landmarks, and unrelated to v1's.
    const embedder = await FaceEmbedder.load();
    const probe = await photoId('obama-1.jpg');
    const detail = await engine.store.photos.getDetail(probe);
    const img = await loadMlImage(path.join(libraryPaths(dataDir).cacheDir, detail!.derivatives!.previewPath));
    const detect = JSON.parse(detects.find((d) => d.photo_id === probe)!.json) as { faces: Array<{ landmarks: number[]; embedding: string }> };
    const px = detect.faces[0]!.landmarks.map((v, i) => v * (i % 2 === 0 ? img.width : img.height));
    const stored = fromBase64F32(detect.faces[0]!.embedding);
    assert.ok(cosine(stored, await embedder.embed(img, px, V2)) > 0.9999, 'v2 afresh');
    const v1 = await embedder.embed(img, px, V1);
    assert.ok(Math.abs(cosine(stored, v1)) < 0.3, `v2 is not comparable with v1 (cosine ${cosine(stored, v1).toFixed(3)})`);

    // The recluster ran; every person decision is intact, and the late face is still Barack's.
    await waitFor(async () => (await engine.lanes.pendingJobCount()) === 0 && (await people.pendingFaceIds()).length === 0, 5 * 60_000, 'the recluster after the cut-over');
    assert.equal((await people.person(barack))?.name, 'Barack');
    assert.equal((await people.person(joe))?.name, 'Joe');
    assert.deepEqual(await membersOf(barack), [...barackBefore, lateFaceId].sort());
    assert.deepEqual(await membersOf(joe), joeBefore);
    assert.deepEqual([...(await people.negativesOf(obamaFace.id))], [joe]);
    // People search answers from v2 now: the same faces near Obama, other distances.
    const searchAfter = await people.neighbours(obamaFace.id, 2, 10);
    assert.notDeepEqual(searchAfter.map((n) => n.distance), searchBefore.map((n) => n.distance));
  });
});
