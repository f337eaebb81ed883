/**
 * A model upgrade end to end (issue 17) on a real engine (its own redis-server, forked workers, real
 * models, SQLite with sqlite-vec) over real photos: the library switches from shoebox-global-v1 to
 * shoebox-global-v2. The worker running the upgrade is killed half-way (SIGKILL); the upgrade resumes
 * from the vectors it had staged and finishes. While it runs the similar-photo search answers from v1
 * exactly as before; after the cut-over every vector is v2 (and matches v2 computed afresh), none of v1
 * remains, and a person's culling decision and people correction survive the regroup and recluster.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../src-main/engine/engine.js';
import { useModel } from '../src-main/engine/maintenance/model-upgrade-jobs.js';
import { GroupsRepo } from '../src-core/store/repos/groups-repo.js';
import { MaintenanceRepo } from '../src-core/store/repos/maintenance-repo.js';
import { PeopleRepo } from '../src-core/store/repos/people-repo.js';
import { LabelsRepo } from '../src-core/store/repos/labels-repo.js';
import { recomputePrototypes } from '../src-core/learning/label-learning.js';
import { VectorModelsRepo } from '../src-core/store/repos/vector-models-repo.js';
import { cosine, descriptorOf } from '../src-worker/ml/embedding.js';
import { loadMlImage } from '../src-worker/stages/ml-stages.js';
import { libraryPaths } from '../src-core/paths.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { repoRoot } from './helpers/photos.js';

const V1 = 'shoebox-global-v1';
const V2 = 'shoebox-global-v2';
const samples = path.join(repoRoot, 'assets', 'samples');
const faces = path.resolve(repoRoot, '..', 'shared', 'faces');

describe('model upgrade on a real engine', { skip: fs.existsSync(faces) ? false : `${faces} is absent` }, () => {
  let dataDir: string;
  let lib: string;
  let engine: Engine;
  let repo: VectorModelsRepo;
  let photoCount = 0;
  const faultBefore = process.env.SHOEBOX_TEST_FAULT;

  before(async () => {
    dataDir = makeTempDir('upgrade-data');
    lib = makeTempDir('upgrade-lib');
    for (const f of fs.readdirSync(samples).filter((f) => f.endsWith('.jpg'))) fs.copyFileSync(path.join(samples, f), path.join(lib, f));
    for (const f of ['biden-1.jpg', 'biden-2.jpg', 'group-obama_biden.jpg']) fs.copyFileSync(path.join(faces, f), path.join(lib, f));
    // Each photo of the upgrade waits 300 ms, so the test can kill its worker half-way (test-crash-hook.ts).
    process.env.SHOEBOX_TEST_FAULT = 'slow:model-upgrade:300';
    engine = await startTestEngine(dataDir);
    const summary = await engine.ingest([lib]);
    photoCount = summary.completed;
    assert.equal(summary.failed, 0, JSON.stringify(summary));
    assert.ok(photoCount >= 12, `${photoCount} photos analysed`);
    repo = new VectorModelsRepo(engine.store.sql);
  });
  after(async () => {
    await engine?.stop();
    if (faultBefore === undefined) delete process.env.SHOEBOX_TEST_FAULT;
    else process.env.SHOEBOX_TEST_FAULT = faultBefore;
    removeDir(dataDir);
    removeDir(lib);
  });

  it('re-embeds in the background, survives a killed worker, cuts over, and keeps what the person decided', async (t) => {
    assert.deepEqual(await repo.vectorCounts(), { active: { [V1]: photoCount }, staged: {} });
    const photos = await engine.store.photos.list({ limit: 100, offset: 0 });
    const probe = photos.find((p) => p.path.endsWith('DSCN0010.jpg'))!;
    const before = await engine.store.photos.similar(probe.id, 5);
    assert.equal(before.length, 5);

    // What the person decided: a pick in culling, a face put into a named person.
    const groups = new GroupsRepo(engine.store.sql);
    const decision = { picked: true, rejected: false, rating: 4 };
    await groups.setDecision(probe.id, decision);
    const people = new PeopleRepo(engine.store.sql);
    const face = (await people.facesWithPhotos({ unassigned: true }))[0] ?? (await engine.store.sql.get<{ id: string }>(`SELECT id FROM faces WHERE gate = 'ok' ORDER BY id LIMIT 1`).then((r) => (r ? { id: r.id } : null)));
    assert.ok(face, 'a gated face among the photos');
    const joe = await people.createPerson('Joe');
    await people.moveFace(face.id, joe);
    // A few-shot label with its examples and prototypes of v1.
    const labels = new LabelsRepo(engine.store.sql);
    const label = await labels.label('keepsakes', true);
    const examples = photos.slice(0, 3).map((p) => p.id);
    await labels.addExamples(label.id, examples, 'positive', 'person');
    await recomputePrototypes(engine.store.sql, label.id);
    assert.equal((await labels.prototype(label.id))?.model, V1);

    const begun = await useModel(engine.store.sql, engine.lanes, 'descriptor', V2);
    assert.equal(begun.started, true, begun.why);

    // Half-way: queries still answer from v1, exactly as before; the staged v2 vectors are not in the index.
    await waitFor(async () => (await repo.status()).done >= 3, 3 * 60_000, 'three photos re-embedded');
    const mid = await repo.status();
    assert.equal(mid.state, 'running');
    assert.ok(mid.done < mid.total, `${mid.done}/${mid.total}`);
    assert.ok(mid.perSecond === null || mid.perSecond > 0);
    assert.deepEqual(await engine.store.photos.similar(probe.id, 5), before, 'similar photos during the upgrade: v1, unchanged');
    assert.deepEqual((await repo.vectorCounts()).active, { [V1]: photoCount });

    // Kill the worker that runs the upgrade (its pid is in the job's progress).
    const queue = engine.lanes.queue('cpu', 'maintenance');
    let pid = 0;
    await waitFor(async () => {
      const active = (await queue.getJobs(['active'])).find((j) => j?.data?.task === 'model-upgrade');
      pid = Number((active?.progress as { pid?: number } | undefined)?.pid ?? 0);
      return pid > 0;
    }, 60_000, 'the upgrade job reporting its worker');
    process.kill(pid, 'SIGKILL');
    const doneAtKill = (await repo.status()).done;
    assert.ok(doneAtKill < photoCount, `killed half-way (${doneAtKill}/${photoCount})`);
    assert.deepEqual(await engine.store.photos.similar(probe.id, 5), before, 'still v1 after the kill');

    await waitFor(async () => (await repo.status()).state !== 'running', 5 * 60_000, 'the upgrade resumed and finished');
    const done = await repo.status();
    assert.equal(done.state, 'done', JSON.stringify(done.result));
    assert.equal(done.active, V2);

    // The resumed run only embedded what was left, and replaced every photo's vector (its record is
    // written just after the cut-over commits).
    const lastUpgrade = async () => (await new MaintenanceRepo(engine.store.sql).lastRuns()).find((r) => r.task === 'model-upgrade');
    await waitFor(async () => (await lastUpgrade()) !== undefined, 60_000, 'the upgrade run recorded');
    const run = await lastUpgrade();
    assert.ok(run?.ok, JSON.stringify(run));
    const result = run.result as { embedded: number; replaced: number; from: string; to: string; followUps: string[] };
    assert.equal(result.replaced, photoCount);
    assert.ok(result.embedded <= photoCount - doneAtKill, `resumed: embedded ${result.embedded}, ${doneAtKill} were staged before the kill`);
    assert.deepEqual([result.from, result.to], [V1, V2]);
    t.diagnostic(`killed at ${doneAtKill}/${photoCount} staged; the resumed run embedded ${result.embedded}; upgrade ${done.startedAt} → ${done.finishedAt}`);

    // No vector of v1 remains: rows, embed results, the vec0 index.
    assert.deepEqual(await repo.vectorCounts(), { active: { [V2]: photoCount }, staged: {} });
    const results = await engine.store.sql.all<{ json: string }>(`SELECT json FROM photo_results WHERE stage = 'embed'`);
    assert.equal(results.length, photoCount);
    for (const r of results) assert.equal((JSON.parse(r.json) as { model: string }).model, V2);
    if (engine.store.sql.vec0) {
      const indexed = await engine.store.sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM vec_photo_embeddings_223`);
      assert.equal(Number(indexed?.n), photoCount);
    }

    // The search now answers from v2: its distances are those of v2 vectors computed afresh from the previews.
    const afterSearch = await engine.store.photos.similar(probe.id, 5);
    assert.equal(afterSearch.length, 5);
    assert.notDeepEqual(afterSearch.map((r) => r.distance), before.map((r) => r.distance));
    const cacheDir = libraryPaths(dataDir).cacheDir;
    const v2Of = async (photoId: string) => {
      const detail = await engine.store.photos.getDetail(photoId);
      return descriptorOf(await loadMlImage(path.join(cacheDir, detail!.derivatives!.previewPath)), V2);
    };
    const q = await v2Of(probe.id);
    for (const n of afterSearch.slice(0, 2)) {
      const expected = 1 - cosine(q, await v2Of(n.photoId));
      assert.ok(Math.abs(n.distance - expected) < 1e-4, `${n.path}: ${n.distance} vs v2 afresh ${expected}`);
    }

    // The follow-ups (regroup, recluster) ran; the person's decisions are intact.
    await waitFor(async () => (await engine.lanes.pendingJobCount()) === 0, 5 * 60_000, 'the follow-ups after the cut-over');
    const regroup = (await new MaintenanceRepo(engine.store.sql).lastRuns()).find((r) => r.task === 'regroup');
    assert.ok(regroup?.ok && regroup.startedAt >= done.finishedAt!, `regroup after the cut-over: ${JSON.stringify(regroup)}`);
    assert.deepEqual((await groups.decisions([probe.id])).get(probe.id), decision);
    const kept = await people.face(face.id);
    assert.equal(kept?.personId, joe);
    assert.equal(kept?.source, 'person');
    assert.equal((await people.person(joe))?.name, 'Joe');
    // The label kept its examples; its prototypes were recomputed from v2 vectors.
    assert.deepEqual((await labels.examples(label.id)).map((e) => e.photoId).sort(), [...examples].sort());
    assert.equal((await labels.prototype(label.id))?.model, V2);
  });
});
