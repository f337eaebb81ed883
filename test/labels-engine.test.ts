/**
 * Few-shot labels through a real engine (redis-server, forked workers, the real models, SQLite) on real
 * photos, then through the real CLI process on the same library once the engine stopped:
 *   - ten quick "accept" clicks make ONE recalculation on the learning lane (each run leaves one
 *     evaluation run, so their count tells how many ran);
 *   - a photo analysed afterwards is scored against the label right after its ML;
 *   - an evaluation asked for runs on the learning lane; `{}` recomputes every label;
 *   - a "not this person" correction re-runs the photo's face clustering on high_priority;
 *   - `shoebox label add|not|suggest|eval` as documented, and a wrong photo fails with its reason.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../src-main/engine/engine.js';
import { LabelsRepo } from '../src-core/store/repos/labels-repo.js';
import { labelHandlers } from '../src-main/engine/api/labels-handlers.js';
import { createPeopleHandlers } from '../src-main/engine/api/people-handlers.js';
import { PeopleRepo } from '../src-core/store/repos/people-repo.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { runCli } from './helpers/cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, '..', '..', '..', 'shared');
const skip = fs.existsSync(path.join(shared, 'faces')) ? false : `${shared}/faces is missing`;

const PEOPLE = ['faces/obama-1.jpg', 'faces/biden-2.jpg', 'faces/rose_leslie-1.jpg', 'faces/alex_lacamoire-3.jpg', 'faces/kit_harington-2.jpg', 'faces/lin_manuel_miranda-1.png', 'faces/obama-4.jpg'];
const OTHERS = ['photos/jpg/gps/DSCN0021.jpg', 'photos/jpg/gps/DSCN0040.jpg', 'photos/jpg/Olympus_C8080WZ.jpg', 'photos/tiff/Jobagent.tiff', 'photos/jpg/exif-org/nikon-e950.jpg', 'photos/jpg/Pentax_K10D.jpg'];
const LATER = 'faces/rose_leslie-2.jpg';

describe('few-shot labels through the engine and the CLI', { skip }, () => {
  let dataDir: string;
  let engine: Engine;
  let repo: LabelsRepo;
  const copy = (files: string[], folder: string): string => {
    const dir = path.join(dataDir, folder);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of files) fs.copyFileSync(path.join(shared, f), path.join(dir, path.basename(f)));
    return dir;
  };
  const idOf = async (file: string): Promise<string> => {
    const rows = await engine.store.sql.all<{ id: string; path: string }>('SELECT id, path FROM photos');
    return rows.find((r) => path.basename(r.path) === path.basename(file))!.id;
  };
  const runs = async (labelId: string) => (await repo.evalRuns(labelId)).length;
  const learningIdle = async () => {
    const c = (await engine.lanes.counts()).learning;
    return c.waiting + c.active + c.delayed + c.prioritized === 0;
  };

  before(async () => {
    dataDir = makeTempDir('labels-engine');
    engine = await startTestEngine(dataDir);
    repo = new LabelsRepo(engine.store.sql);
  });
  after(async () => {
    await engine?.stop().catch(() => undefined);
    if (dataDir) removeDir(dataDir);
  });

  it('ten quick clicks make one recalculation; a photo analysed later is scored; evaluate and "all labels" run on the learning lane', async () => {
    await engine.ingest([copy([...PEOPLE, ...OTHERS], 'library')], {});
    const api = labelHandlers(engine as never);
    // Ten clicks: five photos accepted one by one, each clicked twice.
    for (const f of PEOPLE.slice(0, 5)) {
      const id = await idOf(f);
      assert.deepEqual(await api['labels.mark']({ label: 'people', photoIds: [id], kind: 'positive' }), { recalculation: 'queued' });
      await api['labels.mark']({ label: 'people', photoIds: [id], kind: 'positive' });
    }
    const label = await repo.label('people');
    await waitFor(async () => (await repo.prototype(label.id)) !== null && (await learningIdle()), 60_000, 'the recalculation');
    assert.equal(await runs(label.id), 1, 'one recalculation for ten clicks');
    const proto = (await repo.prototype(label.id))!;
    assert.equal(proto.positives, 5);
    assert.equal(proto.model, 'shoebox-global-v1');

    const page = await api['labels.get']({ label: 'people', limit: 200 });
    assert.equal(page.examples.length, 5);
    assert.ok(page.suggestions.every((s) => s.score !== null && s.score >= page.threshold!));

    // A photo analysed after the prototypes exist is scored right after its ML.
    await engine.ingest([copy([LATER], 'later')], {});
    const later = await idOf(LATER);
    await waitFor(async () => (await repo.score(label.id, later)) !== null, 30_000, 'the new photo scored');

    assert.deepEqual(await api['labels.evaluate']({ label: 'people' }), { queued: true });
    await waitFor(async () => (await runs(label.id)) === 2, 30_000, 'the evaluation run');
    const before = (await repo.prototype(label.id))!.computedAt;
    await engine.lanes.addPrototypes({});
    await waitFor(async () => (await runs(label.id)) === 3 && (await learningIdle()), 30_000, 'every label recomputed');
    assert.notEqual((await repo.prototype(label.id))!.computedAt, before);
    await assert.rejects(api['labels.get']({ label: 'nothing', limit: 10 }), /no label "nothing"/);
  });

  it('a "not this person" correction re-runs that photo\'s face clustering at once on high_priority', async () => {
    const people = new PeopleRepo(engine.store.sql);
    const persons = await people.listPersons();
    const person = persons.find((p) => p.faceCount >= 2);
    assert.ok(person, `a person with two faces among ${persons.length}`);
    const [face] = await people.facesWithPhotos({ personId: person.id });
    await createPeopleHandlers(engine as never)['people.notThisPerson']({ faceId: face!.id, personId: person.id });
    // Without the re-run the face would wait (clustered = 0) for some other photo's cluster job.
    const clustered = async () => Number((await engine.store.sql.get<{ clustered: number }>('SELECT clustered FROM faces WHERE id = ?', [face!.id]))!.clustered) === 1;
    await waitFor(clustered, 30_000, 'the photo clustered again');
    const [after] = await people.facesWithPhotos({ faceId: face!.id });
    assert.notEqual(after!.personId, person.id, 'never back into the person it was taken from');
  });

  it('shoebox label add / not / suggest / eval on the library (no engine running: recalculated in place)', async () => {
    await engine.stop();
    const lib = path.join(dataDir, 'library');
    let r = await runCli(['label', 'add', 'people', ...PEOPLE.slice(0, 3).map((f) => path.join(lib, path.basename(f))), '--data', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /added 3 photos for "people" \(recalculated\)/);
    r = await runCli(['label', 'not', 'people', path.join(lib, 'DSCN0021.jpg'), path.join(lib, 'Jobagent.tiff'), '--data', dataDir]);
    assert.equal(r.code, 0, r.stderr);

    r = await runCli(['label', 'suggest', 'people', '--json', '--data', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { label: string; threshold: number; suggestions: Array<{ path: string; score: number }> };
    assert.deepEqual(Object.keys(doc), ['label', 'threshold', 'suggestions']);
    assert.equal(doc.label, 'people');
    assert.equal(typeof doc.threshold, 'number');
    for (const s of doc.suggestions) {
      assert.deepEqual(Object.keys(s), ['path', 'score']);
      assert.ok(s.score >= doc.threshold);
    }
    const names = doc.suggestions.map((s) => path.basename(s.path));
    // Examples are not suggested; of the suggestions, most are the people photos not marked.
    assert.ok(!names.includes('DSCN0021.jpg') && !names.includes('obama-1.jpg'));
    const peopleNames = new Set([...PEOPLE, LATER].map((f) => path.basename(f)));
    assert.ok(names.filter((n) => peopleNames.has(n)).length >= Math.ceil(names.length / 2), names.join(', '));

    r = await runCli(['label', 'eval', 'people', '--json', '--data', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    const ev = JSON.parse(r.stdout) as Record<string, number | string>;
    assert.deepEqual(Object.keys(ev), ['label', 'examples', 'precision', 'recall', 'f1']);
    assert.equal(ev.examples, 5 + 2);
    for (const k of ['precision', 'recall', 'f1'] as const) assert.ok((ev[k] as number) >= 0 && (ev[k] as number) <= 1);

    r = await runCli(['label', 'add', 'people', path.join(lib, 'obama-4.jpg'), '/nowhere/x.jpg', '--data', dataDir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not in the library: \/nowhere\/x\.jpg/);
  });
});
